// The dashboard's first render with many listings, in Debian's Chromium (playwright-core from
// frontend/node_modules). Driven by dashboard_render.py, which starts the api on a seeded database.
// Usage: node dashboard_render.mjs <base-url> <runs>   -> one JSON object on stdout
import { createRequire } from "node:module";

const require = createRequire(new URL("../../frontend/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const browser = await chromium.launch({
  executablePath: process.env.BB_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const samples = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } }); // cold cache
  const page = await context.newPage();
  let jsBytes = 0;
  page.on("response", async (r) => {
    if (r.url().endsWith(".js")) jsBytes += Number((await r.allHeaders())["content-length"] ?? 0);
  });
  await page.goto(base + "/", { waitUntil: "commit" });
  // ms since navigation start: first card, then the whole first page with its photos loaded
  const firstCard = await page.waitForFunction(
    () => document.querySelector("li[data-listing-id]") && performance.now(), null, { polling: "raf", timeout: 30000 });
  const full = await page.waitForFunction(
    () => {
      const imgs = [...document.querySelectorAll("li[data-listing-id] img")];
      return imgs.length === 24 && imgs.every((im) => im.complete && im.naturalWidth > 0) && performance.now();
    },
    null,
    { polling: "raf", timeout: 30000 },
  );
  const firstId = await page.locator("li[data-listing-id]").first().getAttribute("data-listing-id");
  const t0 = await page.evaluate(() => performance.now());
  await page.getByRole("button", { name: "Next →" }).click();
  const next = await page.waitForFunction(
    (id) => {
      const li = document.querySelector("li[data-listing-id]");
      return li && li.getAttribute("data-listing-id") !== id && performance.now();
    },
    firstId,
    { polling: "raf", timeout: 30000 },
  );
  samples.push({
    first_card_ms: Math.round(await firstCard.jsonValue()),
    first_page_with_photos_ms: Math.round(await full.jsonValue()),
    next_page_ms: Math.round((await next.jsonValue()) - t0),
    js_bytes_on_wire: jsBytes,
  });
  await context.close();
}
await browser.close();
const med = (k) => {
  const v = samples.map((s) => s[k]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
};
console.log(JSON.stringify({
  runs,
  median: {
    first_card_ms: med("first_card_ms"),
    first_page_with_photos_ms: med("first_page_with_photos_ms"),
    next_page_ms: med("next_page_ms"),
  },
  samples,
}));
