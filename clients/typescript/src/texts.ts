/**
 * Notification texts rendered on the client, from the same catalogs the server renders with
 * (services/notifications/texts/<locale>.toml, copied into texts.gen.ts by `python -m infra.textcat`).
 * The server already sends title and body in the caller's `accept-language`; render yourself to
 * switch language without reloading, or to lay a template out your own way (its key is
 * `notification.text.template`).
 *
 *   const { title, body } = renderText(notification.text, "zh-Hans");
 */
import type { NotificationText } from "./gen/convene/notifications/v1/notifications_pb.js";
import { CATALOGS, DEFAULT_LOCALE } from "./texts.gen.js";

export interface Catalog {
  locale: string;
  templates: Record<string, { title: string; body: string }>;
  terms: Record<string, string>;
  time_format: string;
  weekdays: string[];
  months: string[];
  repeats: Record<string, string>;
}

/** The catalog for a BCP 47 locale, as the server picks it (any Chinese takes zh-Hans). */
export function catalogFor(locale: string): Catalog {
  const wanted = locale.toLowerCase();
  const locales = Object.keys(CATALOGS);
  const exact = locales.find((l) => l.toLowerCase() === wanted);
  const language = wanted.split("-")[0];
  const byLanguage = language === "zh" ? locales.find((l) => l === "zh-Hans")
    : locales.find((l) => l.toLowerCase().split("-")[0] === language);
  return CATALOGS[exact ?? byLanguage ?? DEFAULT_LOCALE] as Catalog;
}

const PLACEHOLDER = /\{(\w+)(?::([\w/]+))?\}/g;
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function zoned(value: string, zone: string, catalog: Catalog): string {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, weekday: "short", year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(instant);
  } catch {
    return value; // not a zone this runtime knows
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const month = Number(part("month"));
  const day = Number(part("day"));
  const fields: Record<string, string> = {
    weekday: catalog.weekdays[WEEKDAYS.indexOf(part("weekday"))] ?? part("weekday"),
    day: String(day).padStart(2, "0"), day_number: String(day), month: catalog.months[month - 1] ?? "",
    month_number: String(month), year: part("year"), hour: part("hour"), minute: part("minute"), zone,
  };
  return catalog.time_format.replace(PLACEHOLDER, (_, name: string) => fields[name] ?? "");
}

function repeats(value: string, catalog: Catalog): string {
  if (!value) return "";
  const [frequency, intervalText, limit = ""] = value.split("/");
  const interval = Number(intervalText || 1);
  const unit = catalog.terms[frequency] ?? frequency;
  const r = catalog.repeats;
  let text = (interval <= 1 ? r.every_one : r.every_many)
    .replace("{unit}", unit).replace("{interval}", String(interval));
  if (limit.startsWith("until=")) text += r.until.replace("{date}", limit.slice(6));
  else if (limit.startsWith("count=")) text += r.count.replace("{count}", String(Number(limit.slice(6))));
  return text;
}

function format(template: string, args: Record<string, string>, catalog: Catalog): string {
  return template.replace(PLACEHOLDER, (_, name: string, spec: string | undefined) => {
    const value = args[name] ?? "";
    const [kind, option] = (spec ?? "").split("/");
    if (kind === "time") return zoned(value, args[option || "time_zone"] ?? "UTC", catalog);
    if (kind === "term") return catalog.terms[value] ?? value;
    if (kind === "repeats") return repeats(value, catalog) || (catalog.terms.no_repeat ?? "");
    if (kind === "repeats_tail") {
      const text = repeats(value, catalog);
      return text ? catalog.repeats.tail.replace("{text}", text) : "";
    }
    return value;
  });
}

/** Title and body of a notification's text in `locale` (the default catalog for what it lacks). */
export function renderText(text: NotificationText, locale: string): { title: string; body: string } {
  const catalog = catalogFor(locale);
  const fallback = CATALOGS[DEFAULT_LOCALE] as Catalog;
  const one = (key: string, args: Record<string, string>) => {
    const template = catalog.templates[key] ?? fallback.templates[key];
    if (template === undefined) throw new Error(`no template ${key}`);
    return { title: format(template.title, args, catalog), body: format(template.body, args, catalog) };
  };
  const main = one(text.template, text.args);
  const lines = text.lines.map((line) => one(line.template, line.args).title);
  return { title: main.title, body: [main.body, ...lines].filter((part) => part).join("\n") };
}
