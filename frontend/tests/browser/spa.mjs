// Browser tests of the SPA against the real stack (started by tests/integration/test_spa_browser.py):
// Debian's Chromium through playwright-core, axe-core on every page (no serious or critical
// violation), screenshots into docs/screenshots. One scenario per run (argv[2]):
//   listings  create with two photos by drag-and-drop, post to the sandbox and watch the badge go
//             live to posted, open the steps, a login-wall failure and its Retry, mark sold
//   inbox     conversations needing attention first, chat with delivery states, a message sent
//             in one tab appears live in another, auto-reply switch, hand back, a buyer message
//             arriving live (the pytest side inserts it when this prints "need:buyer_message")
//   live      the real messaging pipeline (monitor, responder, sandbox): the Inbox is open when a
//             buyer writes in the sandbox (the pytest side does it on "need:buyer_message"); the
//             message and the auto-reply appear without a reload; a manual message goes out as sent
//   settings  accounts (add, start monitor), a refused setting shown on its field
//   docs      /docs (Swagger UI) renders every operation of /api/openapi.json, asking no other host
//   sold      (issue 10) a scheduled job's label; a price drop shows an update job per posting,
//             updated live ("need:update_results"); mark sold on a listing with two postings: where
//             and for how much, both go removing, then (pytest produces the poster's answers on
//             "need:delist_results" / "need:delist_retry") one removed, one failed with its reason
//             and Retry, retried to removed, live. Env BB_LISTING_ID, BB_POSTINGS "a,b",
//             BB_SCHEDULED_ID, BB_SCHEDULED_AT
//   delete    (issue 10) delete with a live posting: the dialog counts it, "deleting" shown, a
//             not_supported removal says Sandbox still shows it and how to remove it by hand, then
//             "delete now". Env BB_LISTING_ID, BB_POSTINGS (its one post job)
// Env: BB_BASE_URL (the api serving the SPA), BB_SANDBOX_URL, BB_PHOTOS (two JPEG paths, ":"),
//      BB_SHOTS (screenshot dir). Prints "ok <step>" lines; exits 1 with the failing step.
import { readFileSync, mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const BASE = process.env.BB_BASE_URL;
const SANDBOX = process.env.BB_SANDBOX_URL;
const SHOTS = process.env.BB_SHOTS;
const scenario = process.argv[2];
const T = 20000;

let step = "start";
const ok = (what) => console.log(`ok ${what}`);
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function axe(page, name) {
  step = `axe ${name}`;
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa"]).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(
    bad.length === 0,
    `axe on ${name}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`).join("; ")}`,
  );
  ok(`axe ${name} (${r.violations.length} minor)`);
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function sandbox(path, body) {
  const r = await fetch(SANDBOX + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  check(r.ok, `sandbox ${path}: ${r.status}`);
}

/** Drops files on the dropzone as a user's drag and drop does (a DataTransfer with Files). */
async function dropFiles(page, selector, paths) {
  const files = paths.map((p) => ({ name: p.split("/").pop(), b64: readFileSync(p).toString("base64") }));
  const dt = await page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: "image/jpeg" }));
    }
    return dt;
  }, files);
  await page.dispatchEvent(selector, "dragenter", { dataTransfer: dt });
  await page.dispatchEvent(selector, "dragover", { dataTransfer: dt });
  await page.dispatchEvent(selector, "drop", { dataTransfer: dt });
}

/** Every image under selector has loaded (a broken image URL fails here). */
async function imagesLoaded(page, selector, what) {
  step = `images of ${what}`;
  await page
    .waitForFunction(
      (sel) => {
        const imgs = [...document.querySelectorAll(sel)];
        return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      },
      selector,
      { timeout: T },
    )
    .catch(async () => {
      const srcs = await page.$$eval(selector, (is) => is.map((i) => `${i.src} ${i.naturalWidth}`));
      throw new Error(`images not loaded in ${what}: ${srcs.join(", ")}`);
    });
}

/** Statuses a job row's badge shows, sampled in the page until one of `final` (no reload). */
async function watchJob(page, jobRow, final, timeout = 120000) {
  return page.evaluate(
    ({ sel, final, timeout }) =>
      new Promise((resolve, reject) => {
        const seen = [];
        const t0 = Date.now();
        const tick = () => {
          const s = document.querySelector(sel)?.querySelector("[data-status]")?.getAttribute("data-status");
          if (s && seen[seen.length - 1] !== s) seen.push(s);
          if (s && final.includes(s)) return resolve(seen);
          if (Date.now() - t0 > timeout) return reject(new Error(`job badge stuck: ${seen.join(" -> ")}`));
          setTimeout(tick, 50);
        };
        tick();
      }),
    { sel: jobRow, final, timeout },
  );
}

async function listings(page) {
  step = "empty dashboard";
  await page.goto(BASE + "/");
  await page.getByText("No listings yet.").waitFor({ timeout: T });
  await axe(page, "dashboard (empty)");

  step = "new listing: client checks";
  await page.getByRole("link", { name: "+ New listing" }).click();
  await page.getByRole("heading", { name: "New listing" }).waitFor();
  await page.getByRole("button", { name: "Create listing" }).click();
  await page.getByText("Title is required.").waitFor();
  check(await page.evaluate(() => document.activeElement?.id === "title"), "focus is not on the title");
  await page.getByLabel("Title").fill("Oak dining table");
  await page.getByLabel("Description").fill("Solid oak, seats six.\nA few scratches on the top.");
  await page.locator("#price").fill("120");
  await page.getByLabel("Lowest price you accept").fill("150");
  await page.getByRole("button", { name: "Create listing" }).click();
  await page.getByText("Lowest price cannot be above the price.").waitFor();
  await page.getByLabel("Lowest price you accept").fill("90");
  await page.getByLabel("Location").fill("Austin");
  await page.getByLabel("like new").check();
  ok("client checks");

  step = "drag and drop two photos";
  const photos = process.env.BB_PHOTOS.split(":");
  await dropFiles(page, "[data-testid=dropzone]", photos);
  await page.locator("[data-testid=photo]").nth(1).waitFor({ timeout: T });
  check((await page.locator("[data-testid=photo]").count()) === 2, "two previews expected");
  await page.getByRole("button", { name: "Move photo 2 earlier" }).click();
  check((await page.locator("[data-testid=photo] img").first().getAttribute("alt")).includes(photos[1].split("/").pop()), "reorder did not move photo 2 first");
  ok("two photos dropped and reordered");
  await axe(page, "new listing");
  await shot(page, "listing-new");

  step = "create";
  await page.getByRole("button", { name: "Create listing" }).click();
  await page.waitForURL(/\/listings\/\d+$/, { timeout: T });
  await page.getByRole("heading", { name: "Oak dining table" }).waitFor();
  check((await page.getByTestId("floor").textContent()) === "$90.00", "floor not shown on the detail page");
  check((await page.getByRole("button", { name: /Show photo/ }).count()) === 2, "gallery should have 2 photos");
  await imagesLoaded(page, "article img", "the listing's gallery");
  ok("listing created with two photos");

  step = "edit: price and a removed photo";
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByRole("heading", { name: "Edit listing" }).waitFor({ timeout: T });
  check((await page.locator("#price").inputValue()) === "120.00", "edit form not filled from the listing");
  await page.locator("#price").fill("115");
  await page.getByRole("button", { name: "Remove photo 2" }).click();
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/listings\/\d+$/, { timeout: T });
  await page.getByText("$115.00").first().waitFor({ timeout: T });
  await page.waitForFunction(() => document.querySelectorAll("article img").length === 1, null, { timeout: T });
  ok("edited: new price, one photo left");

  step = "post to the sandbox, badge goes live to posted";
  await page.evaluate(() => (window.__noReload = true));
  await page.getByLabel("Sandbox").check();
  await page.getByRole("button", { name: "Post now" }).click();
  const row = "li[data-job-id]";
  await page.locator(row).first().waitFor({ timeout: T });
  const seen = await watchJob(page, row, ["posted", "failed"]);
  check(seen[seen.length - 1] === "posted", `job ended ${seen.join(" -> ")}`);
  check(seen.includes("posting") || seen.includes("pending"), `no intermediate state seen: ${seen}`);
  check(await page.evaluate(() => window.__noReload === true), "the page reloaded");
  ok(`badge ${seen.join(" -> ")} without a reload`);
  await page.getByRole("link", { name: "View on marketplace" }).first().waitFor();

  step = "open the steps";
  await page.getByRole("button", { name: "Show steps" }).first().click();
  await page.locator("ol[aria-label^='Steps of job'] li").first().waitFor({ timeout: T });
  ok(`steps shown (${await page.locator("ol[aria-label^='Steps of job'] li").count()})`);
  await axe(page, "listing detail");
  await shot(page, "listing-detail");
  await page.getByRole("button", { name: "Hide steps" }).first().click();

  step = "login wall: failed with its reason, then Retry";
  await sandbox("/_sandbox/login-wall", { on: true });
  await page.getByLabel("Sandbox").check();
  await page.getByRole("button", { name: "Post now" }).click();
  await page.locator(row).nth(1).waitFor({ timeout: T });
  const failed = await watchJob(page, `${row}:first-child`, ["failed", "posted"]);
  check(failed[failed.length - 1] === "failed", `expected failed, saw ${failed.join(" -> ")}`);
  const reason = await page.locator(`${row}:first-child [data-testid=failure]`).textContent();
  check(/log ?in/i.test(reason), `failure reason does not say login: ${reason}`);
  ok(`failed with: ${reason.slice(0, 80)}`);
  await shot(page, "listing-failed");
  await sandbox("/_sandbox/login-wall", { on: false });
  await page.locator(`${row}:first-child`).getByRole("button", { name: "Retry" }).click();
  const retried = await watchJob(page, `${row}:first-child`, ["posted"]);
  ok(`retry: ${retried.join(" -> ")}`);

  step = "mark sold";
  await page.getByRole("button", { name: "Mark sold" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Mark sold" }).click();
  await page.locator("h1 + p [data-status=sold]").waitFor({ timeout: T });
  ok("marked sold");

  step = "dashboard shows it";
  await page.getByRole("link", { name: "← All listings" }).click();
  const card = page.locator("li[data-listing-id]").first();
  await card.waitFor({ timeout: T });
  check((await card.locator("img").count()) === 1, "card has no photo");
  await imagesLoaded(page, "li[data-listing-id] img", "the dashboard");
  await card.getByText(/Sandbox: /).first().waitFor();
  await page.getByRole("button", { name: "Sold", exact: true }).click();
  await page.locator("li[data-listing-id]").first().waitFor();
  await page.getByLabel("Search titles").fill("no such thing");
  await page.getByText("No listing matches these filters.").waitFor({ timeout: T });
  await page.getByLabel("Search titles").fill("");
  await page.getByRole("button", { name: "All", exact: true }).click();
  await card.waitFor();
  ok("dashboard card, filters and search");
  await axe(page, "dashboard");
  await shot(page, "dashboard");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "dashboard-phone");
}

async function inbox(page, context) {
  step = "inbox list";
  await page.goto(BASE + "/inbox");
  const items = page.locator("a[data-conversation-id]");
  await items.nth(1).waitFor({ timeout: T });
  check((await items.first().textContent()).includes("needs you"), "needs-attention conversation is not first");
  ok("needs attention first");
  await axe(page, "inbox");

  step = "chat view";
  await items.first().click();
  // The chat's own banner (the list also says "needs you"), then its reason once the chat loaded:
  // checking the reason at once raced the chat's fetch on a loaded machine.
  const banner = page.getByRole("alert").filter({ hasText: "Needs you:" });
  await banner.waitFor({ timeout: T });
  const reason = banner.getByText("buyer asked for a lower price than the floor");
  check(await reason.waitFor({ timeout: T }).then(() => true, () => false), "hand-off reason missing");
  await page.locator("li[data-delivery=sent]").first().waitFor();
  ok("chat with hand-off reason and delivery states");
  await axe(page, "chat");

  step = "a message sent in another tab appears live";
  const other = await context.newPage();
  await other.goto(page.url());
  await other.getByLabel("Your message").fill("Pickup tomorrow at 6 works.");
  await other.getByRole("button", { name: "Send" }).click();
  await page.locator("li[data-delivery=queued]", { hasText: "Pickup tomorrow at 6 works." }).waitFor({ timeout: T });
  await other.close();
  ok("manual message shown queued, live");

  step = "a buyer message arrives live";
  console.log("need:buyer_message");
  await page.locator("li[data-message-id]", { hasText: "Is it still available on Saturday?" }).waitFor({ timeout: T });
  ok("buyer message arrived without a reload");
  await shot(page, "inbox");

  step = "auto-reply switch and hand back";
  const auto = page.getByLabel("Auto-reply in this chat");
  await auto.uncheck();
  await page.waitForFunction(() => !document.querySelector("input[type=checkbox]:checked"), null, { timeout: T });
  await page.getByRole("button", { name: "Hand back to auto-reply" }).click();
  await page.getByText("Needs you:").waitFor({ state: "detached", timeout: T });
  check(await auto.isChecked(), "hand back should switch auto-reply on");
  ok("auto-reply off, then handed back");

  step = "deal state";
  await page.getByLabel("Agreed price").fill("50");
  await page.getByRole("button", { name: "Mark agreed" }).click();
  await page.getByRole("alert").filter({ hasText: /floor|agreed_price/i }).waitFor({ timeout: T });
  await page.getByLabel("Agreed price").fill("95");
  await page.getByRole("button", { name: "Mark agreed" }).click();
  await page.getByRole("button", { name: "Mark sold" }).waitFor({ timeout: T });
  ok("below-floor deal refused, agreed at 95");
}

async function live(page) {
  step = "inbox open before the buyer writes";
  await page.goto(BASE + "/inbox");
  await page.getByRole("heading", { name: "Inbox" }).first().waitFor({ timeout: T });
  await page.evaluate(() => (window.__noReload = true));
  console.log("need:buyer_message");

  step = "the buyer's conversation appears live";
  const conv = page.locator("a[data-conversation-id]", { hasText: "Walnut desk" });
  await conv.first().waitFor({ timeout: 45000 });
  await conv.first().click();
  await page.locator("li[data-message-id]", { hasText: "is this still available?" }).waitFor({ timeout: T });
  ok("buyer message arrived without a reload");

  step = "the auto-reply appears live";
  const reply = page.locator("li[data-message-id]", { hasText: "Auto-reply" });
  await reply.first().waitFor({ timeout: 45000 });
  await page.locator("li[data-delivery=sent]", { hasText: "Auto-reply" }).first().waitFor({ timeout: 45000 });
  ok(`auto-reply arrived: ${(await reply.first().locator("p").first().textContent()).slice(0, 60)}`);

  step = "manual message delivered";
  const text = "I can hold it for you until Saturday.";
  await page.getByLabel("Your message").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator("li[data-delivery=sent]", { hasText: text }).waitFor({ timeout: 45000 });
  check(await page.evaluate(() => window.__noReload === true), "the page reloaded");
  ok("manual message shown sent");
  await axe(page, "chat (live)");
  await shot(page, "inbox-live");
}

async function docs(page) {
  step = "docs renders offline";
  const origin = new URL(BASE).origin;
  const foreign = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(origin + "/") && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  const spec = await (await fetch(BASE + "/api/openapi.json")).json();
  const methods = ["get", "put", "post", "delete", "patch", "head", "options"];
  const ops = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).filter((m) => methods.includes(m)).length, 0);
  await page.goto(BASE + "/docs");
  await page.locator(".opblock").first().waitFor({ timeout: T });
  await page.waitForFunction((n) => document.querySelectorAll(".opblock").length === n, ops, { timeout: T });
  check((await page.locator(".info .title").textContent()).includes(spec.info.title), "title not rendered");
  await page.locator(".opblock").first().locator(".opblock-summary").click();
  await page.locator(".opblock.is-open").first().waitFor({ timeout: T });
  await page.waitForLoadState("networkidle");
  check(foreign.length === 0, `requests to other hosts: ${foreign.join(", ")}`);
  ok(`docs: ${ops} operations rendered, no other host asked`);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/docs.png` }); // the first screen: the whole list is long
}

async function settings(page) {
  step = "settings";
  await page.goto(BASE + "/settings");
  await page.getByText("No accounts yet.").waitFor({ timeout: T });
  await page.getByLabel("Marketplace", { exact: true }).selectOption("sandbox");
  await page.getByLabel("Name for this account").fill("My sandbox shop");
  await page.getByRole("button", { name: "Add account" }).click();
  const acc = page.locator("li[data-account-id]");
  await acc.first().waitFor({ timeout: T });
  await acc.getByRole("button", { name: "Start inbox monitor" }).click();
  await acc.getByRole("button", { name: "Stop inbox monitor" }).waitFor({ timeout: T });
  ok("account added and its monitor switched on");

  step = "refused setting shown on its field";
  await page.getByLabel("While chatting: shortest wait (s)").fill("9");
  await page.getByLabel("While chatting: longest wait (s)").fill("5");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.locator("#pacing-active_max_ms-error").waitFor({ timeout: T });
  check((await page.getByLabel("While chatting: longest wait (s)").getAttribute("aria-invalid")) === "true", "field not marked invalid");
  await page.getByLabel("While chatting: longest wait (s)").fill("12");
  await page.getByLabel("Tone (e.g. friendly, brief)").fill("friendly, brief");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Saved.").waitFor({ timeout: T });
  ok("pacing refused on its field, then saved");

  step = "posting pacing refused on its field";
  const fb = page.locator("form[data-platform=facebook_marketplace]");
  await fb.waitFor({ timeout: T });
  await fb.getByLabel("Gap between actions (s)").fill("90000");
  await fb.getByLabel("New posts per day").fill("5");
  await fb.getByRole("button", { name: "Save Facebook Marketplace pacing" }).click();
  await page.locator("#pacing-facebook_marketplace-min_gap_s-error").waitFor({ timeout: T });
  check((await fb.getByLabel("Gap between actions (s)").getAttribute("aria-invalid")) === "true", "gap not marked invalid");
  await fb.getByLabel("Gap between actions (s)").fill("600");
  await fb.getByRole("button", { name: "Save Facebook Marketplace pacing" }).click();
  await fb.getByText("Saved.").waitFor({ timeout: T });
  ok("posting pacing refused on its field, then saved");

  step = "an account's own pacing";
  await acc.getByText("Posting pacing of this account").click();
  const own = acc.locator("form[data-account-id]");
  await own.getByLabel("New posts per day").fill("3");
  await own.getByRole("button", { name: "Save My sandbox shop pacing" }).click();
  await own.getByText("Saved.").waitFor({ timeout: T });
  ok("account pacing saved");
  await axe(page, "settings");
  await shot(page, "settings");
}


async function waitPosting(page, id, status) {
  step = `posting ${id} ${status}`;
  await page.locator(`li[data-posting-id="${id}"] > div [data-status="${status}"]`).waitFor({ timeout: T });
}

async function scheduled(page, listingId, at) {
  step = "a scheduled job says when it runs";
  await page.goto(`${BASE}/listings/${listingId}`);
  const note = page.getByTestId("scheduled").first();
  await note.waitFor({ timeout: T });
  // the page's locale and time zone (the browser context's), as the seller reads it
  const expected = await page.evaluate((iso) => {
    const d = new Date(iso);
    const day = (x) => new Intl.DateTimeFormat(undefined, { dateStyle: "short" }).format(x);
    const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" }).format(d);
    const date = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric" }).format(d);
    return `Scheduled for ${day(d) === day(new Date()) ? time : `${date}, ${time}`} (account pacing)`;
  }, at);
  const got = await note.textContent();
  check(got === expected, `scheduled label: ${got} (expected ${expected})`);
  check((await page.locator("li[data-job-id] [data-status=pending]").first().textContent()) === "queued", "pending job not said queued");
  ok(`scheduled: ${got}`);
  await axe(page, "listing with a scheduled job");
  await shot(page, "listing-scheduled");
}

async function sold(page) {
  const [a, b] = process.env.BB_POSTINGS.split(",");
  await scheduled(page, process.env.BB_SCHEDULED_ID, process.env.BB_SCHEDULED_AT);

  step = "listing with two postings";
  await page.goto(`${BASE}/listings/${process.env.BB_LISTING_ID}`);
  await page.evaluate(() => (window.__noReload = true));
  await waitPosting(page, a, "posted");
  await waitPosting(page, b, "posted");
  check((await page.locator("li[data-job-id] [data-kind=post]").count()) === 2, "history should list two Post jobs");
  check((await page.locator("li[data-job-id]").first().textContent()).includes("Post · Sandbox"), "job kind not in words");
  ok("two sandbox postings shown live");

  step = "a price drop goes to both postings";
  await page.getByRole("link", { name: "Edit" }).click();
  await page.locator("#price").fill("110");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/listings\/\d+$/, { timeout: T });
  await page.getByText('Changes saved. They go to Sandbox too: see "On marketplaces" below.').waitFor({ timeout: T });
  for (const id of [a, b]) {
    const up = page.locator(`li[data-posting-id="${id}"] [data-kind=update]`);
    await up.waitFor({ timeout: T });
    check((await up.textContent()).startsWith("Update of price: "), `update job: ${await up.textContent()}`);
  }
  ok("update jobs shown per posting");
  console.log("need:update_results"); // pytest: the poster's update.succeeded for both
  for (const id of [a, b]) await page.locator(`li[data-posting-id="${id}"] [data-kind=update][data-status=done]`).waitFor({ timeout: T });
  check((await page.locator(`li[data-posting-id="${a}"] [data-kind=update]`).textContent()) === "Update of price: updated", "update not said updated");
  check((await page.locator("li[data-job-id][data-kind=update]").count()) === 2, "history should list two Update jobs");
  ok("price drop: updated on both postings, live");
  await shot(page, "listing-updated");

  step = "mark sold: where and for how much";
  await page.getByRole("button", { name: "Mark sold" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor({ timeout: T });
  check((await dialog.getByRole("radio").count()) === 2, "choices: on Sandbox, somewhere else");
  await dialog.getByLabel("Somewhere else (in person, another site)").check();
  check((await page.getByTestId("sold-effect").textContent()) === "Bye-Buy will remove it from Sandbox right away.", "effect not said");
  await dialog.getByLabel("Sold for (optional)").fill("abc");
  await dialog.getByRole("button", { name: "Mark sold" }).click();
  await page.locator("#sold-price-error").waitFor({ timeout: T });
  await dialog.getByLabel("Sold for (optional)").fill("95");
  await axe(page, "mark sold dialog");
  await shot(page, "listing-mark-sold");
  await dialog.getByRole("button", { name: "Mark sold" }).click();
  await page.locator("h1 + p [data-status=sold]").waitFor({ timeout: T });
  const note = await page.getByTestId("sold-note").textContent({ timeout: T });
  check(note.startsWith("Sold elsewhere for $95.00"), `sold note: ${note}`);
  ok(`marked sold: ${note}`);

  step = "both postings go to removing";
  await waitPosting(page, a, "delisting");
  await waitPosting(page, b, "delisting");
  ok("both removing");
  console.log("need:delist_results"); // pytest: one delist succeeds, the other fails (timeout)
  await waitPosting(page, a, "delisted");
  await waitPosting(page, b, "delist_failed");
  const rowB = page.locator(`li[data-posting-id="${b}"]`);
  await rowB.getByText("Sandbox still shows this item.").waitFor({ timeout: T });
  const why = await rowB.getByTestId("failure").first().textContent();
  check(/too slow/.test(why) && /no answer/.test(why), `failure not in plain words: ${why}`);
  ok(`one removed, one failed: ${why.slice(0, 80)}`);
  await axe(page, "listing with a failed removal");
  await shot(page, "listing-delist-failed");

  step = "retry the failed removal";
  await rowB.getByRole("button", { name: "Retry" }).click();
  console.log("need:delist_retry"); // pytest: the retried delist succeeds
  await waitPosting(page, b, "delisted");
  check(await page.evaluate(() => window.__noReload === true), "the page reloaded");
  ok("retried: removed everywhere, without a reload");
  await shot(page, "listing-sold-removed");
}

async function deleting(page) {
  const id = process.env.BB_LISTING_ID;
  step = "delete: the dialog says where it is removed from first";
  await page.goto(`${BASE}/listings/${id}`);
  await waitPosting(page, process.env.BB_POSTINGS, "posted");
  await page.getByRole("button", { name: "Delete" }).click();
  const effect = await page.getByTestId("delete-effect").textContent({ timeout: T });
  check(effect.startsWith("It will first be removed from its 1 live marketplace (Sandbox)"), `delete dialog: ${effect}`);
  await axe(page, "delete dialog");
  await shot(page, "listing-delete-dialog");
  await page.getByRole("dialog").getByRole("button", { name: "Remove and delete" }).click();
  const banner = page.getByTestId("deleting");
  await banner.getByText("Deleting: removing it from Sandbox first…").waitFor({ timeout: T });
  ok("deleting: removing it from Sandbox first");

  step = "a removal that cannot be done says which marketplace still shows it";
  console.log("need:delete_fails"); // pytest: delisting.failed not_supported
  await banner.getByText("Not deleted: Sandbox still shows this item.").waitFor({ timeout: T });
  await page.getByText(/Bye-Buy cannot do this on Sandbox by itself/).first().waitFor({ timeout: T });
  await page.getByRole("link", { name: "Open the posting on Sandbox" }).first().waitFor({ timeout: T });
  check((await banner.getByRole("button", { name: "Try removing again" }).count()) === 0, "offers a retry that cannot work");
  ok("delete failed: Sandbox still shows it, remove by hand");
  await axe(page, "listing whose delete failed");
  await shot(page, "listing-delete-failed");

  step = "removed by hand: delete now";
  await banner.getByRole("button", { name: "I removed it by hand: delete now" }).click();
  await page.waitForURL(`${BASE}/`, { timeout: T });
  await page.getByRole("heading", { name: "Your listings" }).waitFor({ timeout: T });
  ok("deleted after removing it by hand");
}

const browser = await chromium.launch({
  executablePath: process.env.BB_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
// The seller's locale and zone: the issue-10 scenarios read a scheduled time as a seller in Berlin.
const seller = scenario === "sold" ? { locale: "en-GB", timezoneId: "Europe/Berlin" } : {};
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...seller });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.stack ?? String(e)));
context.on("weberror", (e) => errors.push(String(e.error())));
let rc = 0;
try {
  if (scenario === "listings") await listings(page);
  else if (scenario === "inbox") await inbox(page, context);
  else if (scenario === "live") await live(page);
  else if (scenario === "docs") await docs(page);
  else if (scenario === "settings") await settings(page);
  else if (scenario === "sold") await sold(page);
  else if (scenario === "delete") await deleting(page);
  else throw new Error(`unknown scenario ${scenario}`);
  check(errors.length === 0, `page errors: ${errors.join("; ")}`);
  console.log("done");
} catch (e) {
  console.log(errors.map((e) => e.stack ?? e).join("\n")); console.log(`FAILED at "${step}": ${e.message}${errors.length ? `\npage errors: ${errors.join("; ")}` : ""}`);
  await page.screenshot({ path: `/tmp/spa-failed-${scenario}.png`, fullPage: true }).catch(() => {});
  rc = 1;
} finally {
  await browser.close();
}
process.exit(rc);
