// Raw RFC 5322 bytes → the CRM's InboundMail, with mailparser (MIME, encodings, HTML reduced to text).
// Attachments are listed by name, size and type; their bytes are dropped here.
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import { bareId, stableMessageId, type InboundMail } from "../../../src/domain/conversations/mail.ts";

const addresses = (a: AddressObject | AddressObject[] | undefined): { address: string; name?: string }[] =>
  (Array.isArray(a) ? a : a ? [a] : [])
    .flatMap((o) =>
      o.value.flatMap((v) => (v.group ?? [v]).map((g) => ({ address: (g.address ?? "").trim(), name: g.name?.trim() || undefined }))),
    )
    .filter((x) => x.address.includes("@"));

const WATCHED = ["auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-autoreply", "x-autorespond", "x-auto-response-suppress"];

function headerText(parsed: ParsedMail, name: string): string | undefined {
  const v = parsed.headers.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "object" && "value" in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
}

export async function parseMail(raw: Buffer, envelopeFrom?: string): Promise<InboundMail> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const from = addresses(parsed.from)[0] ?? { address: envelopeFrom ?? "" };
  const refs = parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
  const headers: Record<string, string> = {};
  for (const name of WATCHED) {
    const v = headerText(parsed, name);
    if (v !== undefined) headers[name] = v;
  }
  const base = {
    inReplyTo: parsed.inReplyTo ? bareId(parsed.inReplyTo) : undefined,
    references: refs.map(bareId).filter(Boolean),
    from,
    to: addresses(parsed.to).map((x) => x.address),
    cc: addresses(parsed.cc).map((x) => x.address),
    subject: parsed.subject ?? "",
    text: (parsed.text ?? "").trim(),
    date: parsed.date,
    headers,
    envelopeFrom,
    attachments: parsed.attachments.map((a) => ({ name: a.filename ?? "(unnamed)", size: a.size, type: a.contentType })),
  };
  return { ...base, messageId: stableMessageId(base, parsed.messageId) };
}
