/**
 * Convene's reference web client: the smallest honest one, in plain TypeScript. What a
 * front-end team copies from:
 *   - sign-in (development: a token minted with the operator token by the page's own origin);
 *   - one Subscribe stream per tab, resumed after the last sequence seen (never a gap);
 *   - my chats with unread counts, a group's timeline whose cards change in place;
 *   - starting a live, watching one in <video> with hls.js;
 *   - an incoming call answered or declined, stopped everywhere once answered on any device;
 *   - the inbox and its badge, which always shows the count the last stream item carried.
 * Every call goes to the gateway, another origin than this page, with the bearer token.
 */
import Hls from "hls.js";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import { clientAction, conveneClients, conveneTransport, errorInfo, renderText, type ConveneClients } from "../../clients/typescript/src/index.js";
import {
  CardKind, CardState, type Card, type ChatState, type Group, type TimelineItem,
} from "../../clients/typescript/src/gen/convene/groups/v1/groups_pb.js";
import { MeetingType } from "../../clients/typescript/src/gen/convene/meetings/v1/meetings_pb.js";
import { NotificationKind, type Notification } from "../../clients/typescript/src/gen/convene/notifications/v1/notifications_pb.js";

interface Config { gatewayUrl: string; mediaUrl: string; devSignIn: boolean }
/** A chat as this page holds it: the last state, the highest sequence held, and the held entries
 * that count as unread (everyone else's messages, cards, red packets) by sequence. */
interface Chat { state: ChatState | undefined; held: bigint; counting: Set<bigint> }
interface Session { principalId: string; accessToken: string; locale: string }

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing`);
  return element as T;
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value);
  element.append(...children);
  return element;
}

function when(ts: Timestamp | undefined): string {
  return ts ? timestampDate(ts).toLocaleTimeString() : "";
}

/** Refusals as the error catalog says to treat them (docs/ERRORS.md). */
function showError(error: unknown): void {
  const info = errorInfo(error);
  $("error").textContent = info ? `${info.reason}: ${info.message}` : ConnectError.from(error).message;
  console.warn("convene call refused", info ?? error);
  if (clientAction(error) === "reauthenticate") {
    sessionStorage.removeItem("convene.session");
    location.reload();
  }
}

function requestId(): string {
  return crypto.randomUUID();
}

class App {
  private convene!: ConveneClients;
  private session!: Session;
  private groups = new Map<string, Group>();
  /** Per chat: my read position and unread count as of a sequence (ChatState), and the last
   * sequence held, so the count stays right between states (the stream's recovery rules). */
  private chats = new Map<string, Chat>();
  private selectedGroup = "";
  /** Inbox entries by thread: the latest notification of each. */
  private inbox = new Map<string, Notification>();
  private lastSequence = 0n;
  private stream: AbortController | null = null;
  private ringing: Notification | null = null;
  private hls: Hls | null = null;
  private watching = "";
  private playToken = "";
  private heartbeat = 0;
  private myLive = "";

  constructor(private readonly config: Config) {}

  // ------------------------------------------------------------------ sign-in

  async showSignIn(): Promise<void> {
    const saved = sessionStorage.getItem("convene.session");
    if (saved) return this.start(JSON.parse(saved) as Session);
    $("sign-in").hidden = false;
    $<HTMLFormElement>("sign-in-form").onsubmit = (event) => {
      event.preventDefault();
      void this.signIn($<HTMLInputElement>("principal-id").value.trim());
    };
    const reply = await fetch("/dev/people");
    if (!reply.ok) return;
    const { people } = (await reply.json()) as { people: { id: string; displayName: string; enterprise: string }[] };
    $("people").replaceChildren(...people.map((person) => {
      const button = el("button", { "data-person": person.id }, `${person.displayName} · ${person.enterprise}`);
      button.onclick = () => void this.signIn(person.id);
      return el("li", {}, button);
    }));
  }

  async signIn(principalId: string): Promise<void> {
    const reply = await fetch("/dev/sign-in", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ principalId }),
    });
    const body = (await reply.json()) as { accessToken?: string; error?: string };
    if (!reply.ok || !body.accessToken) {
      $("sign-in-error").textContent = body.error ?? "sign-in failed";
      return;
    }
    const session = { principalId, accessToken: body.accessToken, locale: $<HTMLSelectElement>("locale").value };
    sessionStorage.setItem("convene.session", JSON.stringify(session));
    await this.start(session);
  }

  async start(session: Session): Promise<void> {
    this.session = session;
    $<HTMLSelectElement>("locale").value = session.locale;
    $<HTMLSelectElement>("locale").onchange = () => {
      // Texts render here from their templates: a switch needs no reload (calls send it from now on).
      this.session.locale = $<HTMLSelectElement>("locale").value;
      sessionStorage.setItem("convene.session", JSON.stringify(this.session));
      this.renderInbox();
    };
    this.convene = conveneClients(conveneTransport({
      baseUrl: this.config.gatewayUrl, token: () => this.session.accessToken, locale: () => this.session.locale,
    }));
    $("sign-in").hidden = true;
    $("app").hidden = false;
    $("inbox").hidden = false;
    $("inbox-button").hidden = false;
    $("me").textContent = session.principalId;
    $("me").dataset.principal = session.principalId;
    this.wireButtons();
    await Promise.all([this.loadChats(), this.loadInbox()]);
    void this.subscribe();
  }

  private wireButtons(): void {
    $<HTMLFormElement>("start-live-form").onsubmit = (event) => {
      event.preventDefault();
      void this.startLive();
    };
    $("end-live").onclick = () => void this.endLive();
    $("meet-now").onclick = () => void this.meetNow();
    $<HTMLFormElement>("message-form").onsubmit = (event) => {
      event.preventDefault();
      void this.postMessage();
    };
    $("leave-live").onclick = () => void this.stopWatching();
    $("mark-all-read").onclick = () => void this.markAllRead();
    $("inbox-button").onclick = () => $("inbox").scrollIntoView();
    $("answer").onclick = () => void this.answerCall(true);
    $("decline").onclick = () => void this.answerCall(false);
  }

  // ------------------------------------------------------------------ the stream

  /** One stream for the tab; on any end it reconnects after the last sequence it saw. */
  private async subscribe(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.stream = new AbortController();
      $("connection").textContent = "connecting…";
      try {
        for await (const item of this.convene.notifications.subscribe(
          { afterSequence: this.lastSequence }, { signal: this.stream.signal })) {
          attempt = 0;
          const event = item.event;
          if (event.case === "caughtUp") {
            $("connection").textContent = "live";
            $("connection").dataset.state = "live";
            this.setBadge(event.value.unreadCount);
          } else if (event.case === "notification") {
            this.lastSequence = event.value.sequence;
            this.onNotification(event.value);
          } else if (event.case === "readMarked") {
            this.lastSequence = event.value.sequence;
            this.onReadMarked(event.value.threadId, event.value.upToSequence, event.value.unreadCount);
          } else if (event.case === "chatMessage") {
            this.onChatEntry(event.value.groupId, event.value.item!);
          } else if (event.case === "chatState") {
            this.onChatState(event.value);
          } else if (event.case === "resync") {
            this.lastSequence = event.value.afterSequence; // the server ends the stream next
          }
        }
      } catch (error) {
        // A refusal (signed out, not this user's stream) is final; a broken connection is not.
        if (errorInfo(error) !== undefined && clientAction(error) !== "retry") {
          showError(error);
          return;
        }
      }
      $("connection").textContent = "reconnecting…";
      $("connection").dataset.state = "reconnecting";
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 5000)));
    }
  }

  private onNotification(notification: Notification): void {
    this.inbox.set(notification.threadId, notification);
    this.setBadge(notification.unreadCount);
    this.renderInbox();
    if (notification.card && notification.groupId === this.selectedGroup) this.upsertCard(notification.card);
    if (notification.kind === NotificationKind.INCOMING_CALL) this.ring(notification);
    if ((notification.kind === NotificationKind.RINGING_STOPPED || notification.kind === NotificationKind.MISSED_CALL)
        && this.ringing?.threadId === notification.threadId) this.stopRinging();
  }

  private onReadMarked(threadId: string, upTo: bigint, unread: bigint): void {
    for (const entry of this.inbox.values()) {
      if ((threadId === "" || entry.threadId === threadId) && entry.sequence <= upTo) entry.read = true;
    }
    this.setBadge(unread);
    this.renderInbox();
  }

  private setBadge(count: bigint): void {
    $("badge").textContent = String(count);
    $("badge").dataset.count = String(count);
  }

  // ------------------------------------------------------------------ chats and timeline

  /** My chats, most recently active first, each with its unread count and mention marker. */
  private async loadChats(): Promise<void> {
    const { conversations } = await this.convene.groups.listConversations({ pageSize: 100 });
    for (const conversation of conversations) {
      if (!conversation.group) continue;
      this.groups.set(conversation.group.id, conversation.group);
      this.chats.set(conversation.group.id, { state: conversation.state,
        held: conversation.lastItem?.sequence ?? 0n, counting: new Set() });
    }
    this.renderChats();
  }

  /** A newer state replaces what the chat showed; entries held above it still count. */
  private onChatState(state: ChatState): void {
    const chat = this.chats.get(state.groupId) ?? { state: undefined, held: 0n, counting: new Set() };
    if (chat.state && chat.state.version >= state.version) return;
    chat.state = state;
    this.chats.set(state.groupId, chat);
    this.renderChats();
  }

  private onChatEntry(groupId: string, item: TimelineItem): void {
    const chat = this.chats.get(groupId) ?? { state: undefined, held: 0n, counting: new Set() };
    this.chats.set(groupId, chat);
    if (item.sequence <= chat.held) return; // held already (read from the timeline)
    chat.held = item.sequence;
    if (item.content.case === "recall") chat.counting.delete(item.content.value.sequence);
    else if (item.content.case !== undefined && item.senderId !== this.session.principalId) {
      chat.counting.add(item.sequence);
    }
    if (!this.groups.has(groupId)) void this.loadChats(); // a chat this page had not seen yet
    if (groupId === this.selectedGroup) {
      this.addItem(item);
      void this.markChatRead(groupId, item.sequence);
    }
    this.renderChats();
  }

  /** The state's count as of its sequence, plus the counting entries held above it. */
  private unreadIn(groupId: string): number {
    const chat = this.chats.get(groupId);
    const asOf = chat?.state?.asOfSequence ?? 0n;
    const above = [...(chat?.counting ?? [])].filter((sequence) => sequence > asOf).length;
    return Number(chat?.state?.unreadCount ?? 0n) + above;
  }

  private renderChats(): void {
    $("chats").replaceChildren(...[...this.groups.values()].map((group) => {
      const unread = this.unreadIn(group.id);
      const mentioned = this.chats.get(group.id)?.state?.mentioned ? "@ " : "";
      const item = el("li", { "data-group": group.id, class: group.id === this.selectedGroup ? "selected" : "" },
        el("span", {}, `${mentioned}${group.name}`),
        el("span", { class: "unread", "data-count": String(unread) }, String(unread)));
      item.onclick = () => void this.openGroup(group.id);
      return item;
    }));
  }

  private async openGroup(groupId: string): Promise<void> {
    this.selectedGroup = groupId;
    $("group").hidden = false;
    $("group-name").textContent = this.groups.get(groupId)?.name ?? groupId;
    $("timeline").replaceChildren();
    this.renderChats();
    const { items } = await this.convene.groups.listTimeline({ groupId, pageSize: 50 });
    for (const item of [...items].reverse()) this.addItem(item);
    const last = items[0]?.sequence ?? 0n;
    const chat = this.chats.get(groupId);
    if (chat && last > chat.held) chat.held = last;
    if (last > 0n) await this.markChatRead(groupId, last);
  }

  /** Reading a chat on this device clears its count on every device (the state comes back). */
  private async markChatRead(groupId: string, upTo: bigint): Promise<void> {
    const chat = this.chats.get(groupId);
    if (chat?.state && chat.state.readSequence >= upTo) return;
    try {
      const { state } = await this.convene.groups.markChatRead({ groupId, readSequence: upTo });
      if (state) this.onChatState(state);
    } catch (error) {
      showError(error);
    }
  }

  private async postMessage(): Promise<void> {
    const input = $<HTMLInputElement>("message-text");
    const text = input.value.trim();
    if (!text) return;
    try {
      const { item } = await this.convene.groups.postMessage({ requestId: requestId(), groupId: this.selectedGroup, text });
      input.value = "";
      if (item) this.onChatEntry(this.selectedGroup, item);
    } catch (error) {
      showError(error);
    }
  }

  private addItem(item: TimelineItem): void {
    if (item.content.case === "card") this.upsertCard(item.content.value);
    else if (item.content.case === "text") {
      $("timeline").append(el("li", { class: "message", "data-item": item.id, "data-sequence": String(item.sequence) },
        `${item.senderId === this.session.principalId ? "me" : item.senderId}: ${item.content.value}`));
    } else if (item.content.case === "recall") {
      const recalled = document.querySelector(`[data-item="${item.content.value.itemId}"]`);
      if (recalled) recalled.textContent = "(recalled)";
    }
  }

  /** A card is one element that changes in place: a newer version replaces what it shows. */
  private upsertCard(card: Card): void {
    const existing = document.querySelector<HTMLElement>(`[data-card="${card.id}"]`);
    if (existing && BigInt(existing.dataset.version ?? "0") >= card.version) return;
    const state = CardState[card.state];
    const details = card.details;
    const figures = card.state === CardState.ENDED && details
      ? ` · ${details.durationSeconds}s · ${details.totalViewers} viewers` : "";
    const element = el("li", { class: "card", "data-card": card.id, "data-subject": card.subjectId,
      "data-state": state, "data-version": String(card.version) },
      el("div", { class: "state" }, `${CardKind[card.kind]} · ${state}${figures}`),
      el("div", { class: "title" }, card.title),
      el("div", { class: "muted" }, when(card.updateTime)));
    if (card.kind === CardKind.LIVE && card.state === CardState.LIVE && card.authorId !== this.session.principalId) {
      const watch = el("button", { class: "watch" }, "Watch");
      watch.onclick = () => void this.watch(card.subjectId, card.title);
      element.append(watch);
    }
    if (existing) existing.replaceWith(element);
    else $("timeline").append(element);
  }

  // ------------------------------------------------------------------ lives

  private async startLive(): Promise<void> {
    try {
      const { live, publish } = await this.convene.live.startLive({
        requestId: requestId(), groupId: this.selectedGroup, title: $<HTMLInputElement>("live-title").value,
      });
      this.myLive = live?.id ?? "";
      $("publish").textContent = publish
        ? `Push with OBS (server ${publish.url}, stream key ${publish.streamKey}) or ffmpeg to ${publish.pushUrl}` : "";
      $("publish").dataset.live = this.myLive;
      $("publish").dataset.pushUrl = publish?.pushUrl ?? "";
      $("end-live").hidden = false;
    } catch (error) {
      showError(error);
    }
  }

  private async endLive(): Promise<void> {
    try {
      await this.convene.live.endLive({ liveId: this.myLive });
      $("end-live").hidden = true;
      $("publish").textContent = "";
    } catch (error) {
      showError(error);
    }
  }

  private async watch(liveId: string, title: string): Promise<void> {
    await this.stopWatching();
    try {
      const joined = await this.convene.live.joinLive({ liveId });
      this.watching = liveId;
      this.playToken = joined.play?.playToken ?? "";
      $("player").hidden = false;
      $("player-title").textContent = title;
      const source = joined.play?.url ?? "";
      $("player").dataset.source = source;
      this.play(source);
      // Each heartbeat keeps the viewer counted and hands out a fresh play token (the audience is
      // checked again): the player's next request carries it.
      const every = Math.max(5, joined.heartbeatIntervalSeconds || 15) * 1000;
      this.heartbeat = window.setInterval(() => {
        void this.convene.live.viewerHeartbeat({ liveId }).then((beat) => {
          if (beat.play?.playToken) this.playToken = beat.play.playToken;
        }).catch(showError);
      }, every);
    } catch (error) {
      showError(error);
    }
  }

  /** hls.js on the media plane's HLS, the play token on every request (X-Play-Token). Until the
   * host's stream is on air the playlist is not there yet: it tries again, a while. */
  private play(source: string, attempt = 0): void {
    const video = $<HTMLVideoElement>("video");
    const status = $("player-status");
    video.onplaying = () => { status.textContent = "playing"; status.dataset.state = "playing"; };
    video.onwaiting = () => { status.textContent = "buffering…"; };
    if (!Hls.isSupported()) {
      video.src = `${source}?token=${encodeURIComponent(this.playToken)}`; // Safari plays HLS natively
      void video.play().catch(() => undefined);
      return;
    }
    this.hls?.destroy();
    const hls = new Hls({
      liveSyncDurationCount: 2,
      xhrSetup: (xhr) => xhr.setRequestHeader("X-Play-Token", this.playToken),
    });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal || this.hls !== hls) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && attempt < 30 && this.watching) {
        status.textContent = "waiting for the host's stream…";
        window.setTimeout(() => { if (this.hls === hls) this.play(source, attempt + 1); }, 1000);
        return;
      }
      status.textContent = `playback failed: ${data.details}`;
      status.dataset.state = "failed";
    });
    hls.loadSource(source);
    hls.attachMedia(video);
    void video.play().catch(() => undefined); // muted autoplay; the controls work otherwise
  }

  private async stopWatching(): Promise<void> {
    window.clearInterval(this.heartbeat);
    this.hls?.destroy();
    this.hls = null;
    if (this.watching) {
      const liveId = this.watching;
      this.watching = "";
      await this.convene.live.leaveLive({ liveId }).catch(() => undefined);
    }
    $("player").hidden = true;
  }

  // ------------------------------------------------------------------ calls

  /** Meet now (SPEC F-34) with everyone else in the group: their devices ring at once. */
  private async meetNow(): Promise<void> {
    try {
      const { memberIds } = await this.convene.groups.listGroupMembers({ groupId: this.selectedGroup, pageSize: 300 });
      const others = memberIds.filter((id) => id !== this.session.principalId);
      const { meeting } = await this.convene.meetings.meetNow({
        requestId: requestId(), topic: this.groups.get(this.selectedGroup)?.name ?? "", type: MeetingType.VIDEO,
        participantIds: others,
        external: others.some((id) => id.startsWith("wx_")),
      });
      $("publish").textContent = `Meeting ${meeting?.topic ?? ""} started; ringing ${others.length}`;
      $("publish").dataset.meeting = meeting?.id ?? "";
    } catch (error) {
      showError(error);
    }
  }

  /** What a notification says in the user's language: rendered from its template when it has one. */
  private said(notification: Notification): { title: string; body: string } {
    return notification.text?.template ? renderText(notification.text, this.session.locale)
      : { title: notification.title, body: notification.body };
  }

  private ring(notification: Notification): void {
    this.ringing = notification;
    const { title, body } = this.said(notification);
    $("incoming-title").textContent = title;
    $("incoming-body").textContent = body;
    const dialog = $<HTMLDialogElement>("incoming-call");
    dialog.dataset.thread = notification.threadId;
    if (!dialog.open) dialog.show();
  }

  private stopRinging(): void {
    this.ringing = null;
    const dialog = $<HTMLDialogElement>("incoming-call");
    if (dialog.open) dialog.close();
  }

  /** The notice's text says what rings: `meeting_id` for a meeting, `call_id` for a group call. */
  private async answerCall(answer: boolean): Promise<void> {
    const args = this.ringing?.text?.args ?? {};
    this.stopRinging();
    try {
      if (args.meeting_id) {
        if (answer) await this.convene.meetings.joinMeeting({ meetingId: args.meeting_id });
        else await this.convene.meetings.declineMeetingCall({ meetingId: args.meeting_id });
      } else if (args.call_id) {
        if (answer) await this.convene.groups.joinGroupCall({ callId: args.call_id });
        else await this.convene.groups.leaveGroupCall({ callId: args.call_id });
      }
    } catch (error) {
      showError(error);
    }
  }

  // ------------------------------------------------------------------ inbox

  private async loadInbox(): Promise<void> {
    const page = await this.convene.notifications.listNotifications({ pageSize: 100 });
    for (const notification of [...page.notifications].reverse()) this.inbox.set(notification.threadId, notification);
    this.lastSequence = page.sequence; // the stream resumes exactly after this page
    this.setBadge(page.unreadCount);
    this.renderInbox();
  }

  private renderInbox(): void {
    const entries = [...this.inbox.values()].sort((a, b) => (a.sequence < b.sequence ? 1 : -1));
    $("notifications").replaceChildren(...entries.map((n) => {
      const { title, body } = this.said(n);
      const item = el("li", { "data-thread": n.threadId, "data-template": n.text?.template ?? "",
        class: n.read ? "" : "unread-entry" }, el("div", {}, title), el("div", { class: "muted" }, body));
      item.onclick = () => void this.markRead(n);
      return item;
    }));
  }

  private async markRead(notification: Notification): Promise<void> {
    try {
      await this.convene.notifications.markRead({ threadId: notification.threadId, upToSequence: notification.sequence });
    } catch (error) {
      showError(error);
    }
  }

  private async markAllRead(): Promise<void> {
    await this.convene.notifications.markAllRead({ upToSequence: this.lastSequence }).catch(showError);
  }
}

async function main(): Promise<void> {
  const config = (await (await fetch("/config.json")).json()) as Config;
  await new App(config).showSignIn();
}

void main();
