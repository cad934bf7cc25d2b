/**
 * The reference web client in headless Chromium (Debian's, driven by playwright-core), as two
 * members of one group in two browser sessions. Run by tests/test_web_client_browser.py, which
 * starts the system, the gateway and the web client's site and reads the JSON line printed here.
 *
 * Env: WEB_URL, HOST_ID, VIEWER_ID, GROUP_ID, SCREENSHOTS (a folder), CHROMIUM (the executable),
 * FFMPEG (pushes the host's stream as OBS would, to the push URL the host's page shows).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// playwright-core adds --headless itself (headless: true).
const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];
const result: Record<string, unknown> = {};

/** A browser of its own with a fresh profile (nothing cached or signed in from before), signed in. */
async function session(who: string, openChat = true): Promise<{ context: BrowserContext; page: Page }> {
  const profile = mkdtempSync(join(tmpdir(), `convene-chromium-${who}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env("CHROMIUM"), headless: true, args: FLAGS,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") console.error(`[${who}] ${message.text()}`);
  });
  await page.goto(env("WEB_URL"));
  await page.fill("#principal-id", who === "host" ? env("HOST_ID") : env("VIEWER_ID"));
  await page.click("#sign-in-button");
  await page.waitForSelector(`#connection[data-state="live"]`, { timeout: 15_000 });
  if (openChat) await openGroup(page);
  return { context, page };
}

async function openGroup(page: Page): Promise<void> {
  await page.click(`#chats li[data-group="${env("GROUP_ID")}"]`);
  await page.waitForSelector("#group:not([hidden])");
}

async function main(): Promise<void> {
  const shots = env("SCREENSHOTS");
  const host = await session("host");
  const viewer = await session("viewer", false);
  let pusher: ChildProcess | undefined;
  try {
    // A message in the chat: the viewer's list shows it unread, opening the chat reads it.
    const chat = `#chats li[data-group="${env("GROUP_ID")}"]`;
    await host.page.fill("#message-text", "你好 hello");
    await host.page.click("#send");
    await viewer.page.waitForSelector(`${chat} .unread[data-count="1"]`, { timeout: 10_000 });
    result.chatUnread = Number(await viewer.page.textContent(`${chat} .unread`));
    await openGroup(viewer.page);
    await viewer.page.waitForSelector(`#timeline .message:has-text("你好 hello")`, { timeout: 10_000 });
    await viewer.page.waitForSelector(`${chat} .unread[data-count="0"]`, { state: "attached", timeout: 10_000 });
    result.chatUnreadAfterOpen = Number(await viewer.page.textContent(`${chat} .unread`));

    const unreadBefore = Number(await viewer.page.textContent("#badge"));

    // The host starts a live; the viewer's timeline shows its card within 2 s.
    await host.page.fill("#live-title", "全员大会 all-hands");
    const started = Date.now();
    await host.page.click("#start-live");
    const card = await viewer.page.waitForSelector(`#timeline .card[data-state="LIVE"]`, { timeout: 10_000 });
    result.cardAfterMs = Date.now() - started;
    result.liveId = await card.getAttribute("data-subject");
    result.cardTitle = (await card.textContent()) ?? "";
    // The badge follows the card's notification, a durable consumer's hop after the timeline's
    // entry: bounded generously, as CI's loaded 2 cores once needed more than 5 s.
    await viewer.page.waitForFunction((before) => Number(document.querySelector("#badge")?.textContent) > before,
      unreadBefore, { timeout: 15_000 });
    result.badgeAfterCard = Number(await viewer.page.textContent("#badge"));
    await viewer.page.screenshot({ path: join(shots, "viewer-card.png") });

    // The host pushes a camera (a test pattern with sound) over RTMP to where their page says.
    const pushUrl = await host.page.getAttribute("#publish", "data-push-url");
    if (!pushUrl) throw new Error("the host's page shows no push URL");
    pusher = spawn(env("FFMPEG"), [
      "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
      "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
      "-t", "90", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
      "-c:a", "aac", "-b:a", "64k", "-f", "flv", pushUrl,
    ], { stdio: ["ignore", "ignore", "inherit"] });

    // Watching: the viewer's <video> plays it through hls.js, the play token on every request.
    await viewer.page.click(`#timeline .card[data-state="LIVE"] .watch`);
    await viewer.page.waitForSelector("#player:not([hidden])", { timeout: 10_000 });
    result.playSource = await viewer.page.getAttribute("#player", "data-source");
    await viewer.page.waitForSelector(`#player-status[data-state="playing"]`, { timeout: 45_000 });
    await viewer.page.waitForFunction(() => (document.querySelector("video")?.currentTime ?? 0) > 1, undefined,
      { timeout: 20_000 });
    result.video = await viewer.page.evaluate(() => {
      const video = document.querySelector("video")!;
      return { paused: video.paused, readyState: video.readyState, currentTime: video.currentTime,
        width: video.videoWidth, height: video.videoHeight };
    });
    await viewer.page.screenshot({ path: join(shots, "viewer-video.png") });
    await viewer.page.click("#leave-live");

    // The host ends it: the same card element changes to "ended", in place, on the viewer's page.
    await host.page.click("#end-live");
    await viewer.page.waitForSelector(`#timeline .card[data-state="ENDED"]`, { timeout: 10_000 });
    result.cardsAfterEnd = await viewer.page.locator("#timeline .card").count();

    // Reading the card's inbox entry lowers the badge (every device hears the read mark).
    const badge = Number(await viewer.page.textContent("#badge"));
    await viewer.page.click(`#notifications li.unread-entry`);
    await viewer.page.waitForFunction((was) => Number(document.querySelector("#badge")?.textContent) < was,
      badge, { timeout: 5_000 });
    result.badgeAfterRead = Number(await viewer.page.textContent("#badge"));

    // Meet now: the viewer's page rings; answering stops the ringing and joins the meeting.
    await host.page.click("#meet-now");
    await viewer.page.waitForSelector("#incoming-call[open]", { timeout: 10_000 });
    result.incomingTitle = await viewer.page.textContent("#incoming-title");
    await viewer.page.screenshot({ path: join(shots, "viewer-incoming-call.png") });
    await viewer.page.click("#answer");
    await viewer.page.waitForSelector("#incoming-call[open]", { state: "detached", timeout: 5_000 });
    result.meetingId = await host.page.getAttribute("#publish", "data-meeting");

    // Meet now again: this time the viewer declines; the ringing stops.
    await host.page.click("#meet-now");
    await host.page.waitForFunction((first) => {
      const id = document.querySelector("#publish")?.getAttribute("data-meeting");
      return Boolean(id) && id !== first;
    }, result.meetingId, { timeout: 10_000 });
    result.declinedMeetingId = await host.page.getAttribute("#publish", "data-meeting");
    await viewer.page.waitForSelector("#incoming-call[open]", { timeout: 10_000 });
    await viewer.page.click("#decline");
    await viewer.page.waitForSelector("#incoming-call[open]", { state: "detached", timeout: 5_000 });
    result.errors = [await host.page.textContent("#error"), await viewer.page.textContent("#error")];
    result.ok = true;
  } catch (error) {
    result.ok = false;
    result.failure = String(error);
    await viewer.page.screenshot({ path: join(shots, "viewer-failure.png") }).catch(() => undefined);
    await host.page.screenshot({ path: join(shots, "host-failure.png") }).catch(() => undefined);
  } finally {
    pusher?.kill("SIGKILL");
    process.stdout.write(JSON.stringify(result) + "\n");
    await Promise.all([host.context.close(), viewer.context.close()]);
  }
}

await main();
