import { createApp } from 'vue'
// Element Plus comes in per component, as the templates use it (vite.config.ts); the message and
// message-box services are called from scripts, so their styles are imported here
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './style.css'
import App from './App.vue'
import { router } from './router'

createApp(App).use(router).mount('#app')
