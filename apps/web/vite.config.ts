import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** Where `pnpm dev` finds the signalling server (started alongside on its default port). */
const SERVER_URL = process.env.SWARMLAB_SERVER_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [svelte()],
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/socket.io': { target: SERVER_URL, ws: true } } },
});
