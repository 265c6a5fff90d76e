/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// The api serves dist/ at "/" (hashed assets long-cached, index.html no-cache), and
// dist/docs.html (Swagger UI, a second entry: src/docs.ts) at /docs.
// `npm run dev` proxies /api and /uploads to a local api (BB_API_URL, default make up's :8080).
const api = process.env.BB_API_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: { input: { index: "index.html", docs: "docs.html" } },
    // the docs entry is Swagger UI (about 470 KB gzipped, loaded only by /docs); the dashboard's
    // first page stays far below this (build-frontend.sh reports it)
    chunkSizeWarningLimit: 1800,
  },
  server: { proxy: { "/api": api, "/uploads": api } },
  test: { environment: "jsdom", include: ["tests/unit/**/*.test.{ts,tsx}"] },
});
