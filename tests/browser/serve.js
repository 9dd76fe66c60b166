// tests/serve.rs runs this: node serve.js URL JOURNEY_FILE SCREENSHOT
//
// Opens the page `journey serve` serves in Debian's Chromium, then edits the journey file three
// times (a new name, a syntax error, the original back) and waits, each time, for the open page
// to show the change by itself. Prints the page's text at each step as JSON.
const fs = require("fs");
const { chromium } = require("playwright-core");

const [url, file, shot] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.goto(url);
    const text = () => page.evaluate(() => document.body.innerText);
    // Polled rather than awaited in the page: a reload destroys the page's context.
    const until = async (what, test) => {
      const deadline = Date.now() + 30000;
      while (Date.now() < deadline) {
        try {
          if (await page.evaluate(test)) return;
        } catch (e) {
          // The page is reloading.
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the page did not show ${what} within 30 s:\n${await text()}`);
    };
    const original = fs.readFileSync(file, "utf8");
    await until("the report", () => !!document.querySelector(".funnel"));
    const seen = { first: await text() };

    fs.writeFileSync(file, original.replace(/journey "[^"]*"/, 'journey "Edited in place"'));
    await until("the new name", () => document.title.startsWith("Edited in place"));
    seen.renamed = await text();

    fs.writeFileSync(file, original.replace("kpi", "kpl"));
    await until("the diagnostics", () => !!document.querySelector("pre.diagnostics"));
    seen.broken = await text();
    await page.screenshot({ path: shot, fullPage: true });

    fs.writeFileSync(file, original);
    await until("the report again", () => !document.querySelector("pre.diagnostics") && !!document.querySelector(".funnel"));
    seen.fixed = await text();
    console.log(JSON.stringify(seen));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
