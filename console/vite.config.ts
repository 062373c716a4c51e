/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Served by Flask under /console/; in `npm run dev` the API is proxied to a local `make run`.
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
  build: {
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: {
          echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'],
          element: ['element-plus'],
        },
      },
    },
  },
  test: { environment: 'jsdom', include: ['tests/**/*.test.ts'] },
})
