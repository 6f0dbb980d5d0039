// The gateway (DISCORD_GATEWAY=on with DISCORD_BOT_TOKEN): a discord.js Client for what only the gateway
// delivers, plus interactions when no Interactions Endpoint URL is set in the Developer Portal.
// We read the raw dispatches, so no cache or partials decide what we see and an interaction is the same
// JSON as over HTTP:
// - INTERACTION_CREATE → the same core as POST /discord/interactions; the first response goes to
//   POST /interactions/{id}/{token}/callback.
// - MESSAGE_REACTION_ADD with 🎫 → a ticket from that message (one per message), a reply with its key.
// - MESSAGE_CREATE in a ticket's thread → a chat logged on the ticket (an agent's first is the first response);
//   in an inbox channel or its tickets' threads → the customer's conversation (customerInbox.ts); the first
//   message of a post in a forum that is an inbox → a ticket whose thread is the post; in a thread started on a
//   ticket's card in the tickets channel → a member's internal note on the ticket (cardThreads.ts).
// - THREAD_CREATE → its parent and title, for a forum post's first message.
// Intents: Guilds, GuildMessages, GuildMessageReactions and MessageContent (privileged: enable
// "Message Content Intent" under Bot in the Developer Portal, or Discord closes the connection with 4014).
// JSON encoding, no compression: discord.js only compresses when the optional zlib-sync is installed.
import "./loadFirst.ts"; // before discord.js: see loadFirst.ts
import {
  Client,
  Events,
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  MessageType,
  Options,
  Routes,
  SnowflakeUtil,
  type APIMessage,
} from "discord.js";
import type { REST } from "@discordjs/rest";
import type { Services } from "../../src/domain/services.ts";
import { b, reply, s } from "../../src/reply/reply.ts";
import type { DiscordDeps } from "./deps.ts";
import type { Interaction, InteractionCore } from "./interactions.ts";
import { NotMemberError } from "../../src/domain/workspaces/membership.ts";
import { customerInbox, type InboxMessage, type ThreadCreate } from "./customerInbox.ts";
import { cardThreads } from "./cardThreads.ts";
import { discordActor, type DiscordUser } from "./identity.ts";
import { renderDiscord } from "./render.ts";
import { TICKET_EMOJI, messageText, openTicketFromMessage, permalink, type ResolvedMessage } from "./tickets.ts";

export const GATEWAY_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.MessageContent,
];

interface ReactionAdd {
  user_id: string;
  channel_id: string;
  message_id: string;
  guild_id?: string;
  member?: { user?: DiscordUser & { bot?: boolean }; nick?: string | null; roles?: string[] };
  emoji?: { id: string | null; name: string | null };
}

type MessageCreate = APIMessage & { guild_id?: string; member?: { nick?: string | null } };

/**
 * Channels known not to be ticket threads, so their chatter costs no lookup. A channel younger than
 * YOUNG_MS is never remembered: a customer's thread or forum post gets its ticket a moment after it is made,
 * and a second message in that moment must not hide the thread for the cache's 10 minutes. A channel id is a
 * snowflake, so its age is in the id.
 */
export class NotThreads {
  static readonly YOUNG_MS = 2 * 60_000;
  private seen = new Map<string, number>();
  constructor(
    private ttlMs = 10 * 60_000,
    private max = 10_000,
  ) {}
  has(id: string, now = Date.now()) {
    const t = this.seen.get(id);
    return t !== undefined && t > now;
  }
  add(id: string, now = Date.now()) {
    if (now - SnowflakeUtil.timestampFrom(id) < NotThreads.YOUNG_MS) return;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(id, now + this.ttlMs);
  }
}

export interface DiscordGateway {
  client: Client;
  start(): void;
  close(): Promise<void>;
}

export function createGateway(deps: DiscordDeps, core: InteractionCore, rt: { rest: REST }): DiscordGateway {
  const { config, services, logger } = deps;
  const log = logger.child({ component: "discord-gateway" });
  const client = new Client({
    intents: GATEWAY_INTENTS,
    rest: config.DISCORD_API_URL ? { api: config.DISCORD_API_URL.replace(/(?<!\/)\/+$/, "") } : {},
    // we work from raw dispatches: keep discord.js from holding every message in memory
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0, ReactionManager: 0 }),
  });
  const notThreads = new NotThreads();
  const inbox = customerInbox(services, rt.rest, log);
  const cards = cardThreads(services, log);

  const guarded = (what: string, work: () => Promise<unknown>) => {
    work().catch((e) => log.error({ err: (e as Error).message, stack: (e as Error).stack }, `discord gateway: ${what} failed`));
  };

  client.ws.on(GatewayDispatchEvents.InteractionCreate, (d: Interaction) =>
    guarded("interaction", () =>
      core(d, (response) =>
        rt.rest.post(Routes.interactionCallback(d.id ?? "", d.token ?? ""), { body: response, auth: false }).then(() => undefined),
      ),
    ),
  );
  client.ws.on(GatewayDispatchEvents.MessageReactionAdd, (d: ReactionAdd) => guarded("🎫 reaction", () => onReaction(services, d)));
  client.ws.on(GatewayDispatchEvents.ThreadCreate, (d: ThreadCreate) => inbox.threadCreated(d));
  client.ws.on(GatewayDispatchEvents.MessageCreate, (d: MessageCreate) => guarded("thread message", () => onMessage(services, d)));

  client.on(Events.ClientReady, (c) => log.info({ user: c.user.tag, application: c.application.id }, "discord gateway ready"));
  client.on(Events.ShardError, (e) => log.warn({ err: e.message }, "discord gateway connection error; reconnecting"));
  client.on(Events.ShardDisconnect, (ev) =>
    log.error(
      { code: ev.code },
      ev.code === GatewayCloseCodes.DisallowedIntents
        ? "discord gateway refused our intents: enable Message Content Intent under Bot in the Developer Portal, then restart"
        : ev.code === GatewayCloseCodes.AuthenticationFailed
          ? "discord gateway refused DISCORD_BOT_TOKEN"
          : "discord gateway disconnected for good",
    ),
  );
  client.on(Events.Error, (e) => log.error({ err: e.message }, "discord client error"));

  async function onReaction(services: Services, d: ReactionAdd) {
    if (!d.guild_id || !TICKET_EMOJI.has(d.emoji?.name ?? "") || d.member?.user?.bot) return;
    // a reaction carries no permissions: only members (or people the role map lets in) open tickets this way
    const actor = await discordActor(services, {
      guild_id: d.guild_id,
      member: { user: d.member?.user ?? { id: d.user_id }, nick: d.member?.nick, roles: d.member?.roles },
    }).catch((e: unknown) => {
      if (e instanceof NotMemberError) return undefined;
      throw e;
    });
    if (!actor) return;
    const message = (await rt.rest.get(Routes.channelMessage(d.channel_id, d.message_id))) as ResolvedMessage;
    const { ticket, created } = await openTicketFromMessage(services, actor, d.guild_id, { ...message, channel_id: d.channel_id });
    if (!created) return;
    const note = reply(`🎫 Opened T-${ticket.number}`, false)
      .text([s("🎫 Opened "), b(`T-${ticket.number}`), s(` ${ticket.subject}`)])
      .build();
    const { message: body } = renderDiscord(note);
    await rt.rest.post(Routes.channelMessages(d.channel_id), {
      body: { ...body, components: [], message_reference: { message_id: d.message_id, fail_if_not_exists: false } },
    });
  }

  async function onMessage(services: Services, d: MessageCreate) {
    if (!d.guild_id || d.author?.bot || d.webhook_id || (d.type !== MessageType.Default && d.type !== MessageType.Reply)) return;
    // asked every time (an indexed lookup): /crm inbox add works at once, whatever was cached
    if (await inbox.inChannel(d as InboxMessage)) return;
    if (await inbox.forumPost(d as InboxMessage)) return;
    if (notThreads.has(d.channel_id)) return;
    const workspaceId = await services.identity.existingWorkspace("discord", d.guild_id);
    if (!workspaceId) return;
    if (!(await services.ticketThreads.ticketInThread(workspaceId, "discord", d.channel_id))) {
      // a thread started on a ticket's card (cardThreads.ts) is no ticket's thread, yet stays out of that cache
      if (!(await cards.said(workspaceId, d as InboxMessage))) notThreads.add(d.channel_id);
      return;
    }
    if (await inbox.inThread(workspaceId, d as InboxMessage)) return; // the thread started on a customer's message
    if (!(await services.processedEvents.claim(workspaceId, "discord", `message:${d.id}`))) return;
    const logged = await services.ticketThreads.logThreadMessage(workspaceId, "discord", {
      channelId: d.channel_id,
      userId: d.author.id,
      text: messageText(d as ResolvedMessage),
      permalink: permalink(d.guild_id, d.channel_id, d.id),
      at: d.timestamp ? new Date(d.timestamp) : undefined,
    });
    if (logged) log.debug({ ticket: logged.record.key, firstResponse: logged.firstResponse }, "thread message logged");
  }

  return {
    client,
    start() {
      client.login(config.DISCORD_BOT_TOKEN).catch((e: Error) => log.error({ err: e.message }, "discord gateway could not log in"));
    },
    async close() {
      await client.destroy();
    },
  };
}
