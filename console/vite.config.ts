/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { compression } from 'vite-plugin-compression2'

// Served by Flask under /console/; in `npm run dev` the API is proxied to a local `make run`.
// Element Plus is imported per component the templates use (with its styles), not whole; every
// built text file gets a .gz twin that the service sends to browsers taking gzip.
export default defineConfig({
  base: '/console/',
  plugins: [
    vue(),
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
    compression({ algorithms: ['gzip'], include: /\.(js|css|html|svg|json)$/, threshold: 1024 }),
  ],
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
  build: {
    chunkSizeWarningLimit: 1500,
    // the first load fetched some eighty small files after the entry ran (six at a time over
    // HTTP/1.1, each a request to the service): the styles as one file linked by the page itself,
    // fetched beside the entry, and the tiniest shared scripts merged into their neighbours
    cssCodeSplit: false,
    rollupOptions: {
      output: {
        experimentalMinChunkSize: 20_000,
        manualChunks: {
          echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'],
          // the camera scanner's decoder, fetched only when a pickup code is scanned
          zxing: ['@zxing/browser', '@zxing/library'],
        },
      },
    },
  },
  test: { environment: 'jsdom', include: ['tests/**/*.test.ts'] },
})
