// The domain services a command can call. Built once per process from the Prisma client.
import { InboxService } from "./conversations/inbox.ts";
import type { RawSql } from "./interactions/oneStatement.ts";
import { ConversationService } from "./conversations/replies.ts";
import { ChatInbox } from "./conversations/chat.ts";
import { TicketCards } from "./conversations/cards.ts";
import { InboxPanels } from "./conversations/panel.ts";
import { MailboxService } from "./mailboxes/service.ts";
import type { MailboxProbe } from "./mailboxes/mailbox.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Actor } from "./actor.ts";
import type { Outbox } from "../delivery/outbox.ts";
import { PlatformChannels, type ChannelOwnership } from "../delivery/channels.ts";
import type { Logger } from "../log.ts";
import { NotifyService } from "./notify/service.ts";
import { RoomService } from "./deals/rooms.ts";
import { CompanyService } from "./companies/service.ts";
import { ContactService } from "./contacts/service.ts";
import { DealService } from "./deals/service.ts";
import { InteractionService } from "./interactions/service.ts";
import { PipelineService } from "./deals/pipeline.ts";
import { MemberService } from "./members/service.ts";
import { RoleMapService } from "./members/roleMap.ts";
import { TicketService } from "./tickets/service.ts";
import { ticketFromMessage, type MessageSource } from "./tickets/fromMessage.ts";
import { TicketThreadService } from "./tickets/threads.ts";
import { WorkspaceSettingsService } from "./workspaces/settings.ts";
import { WorkspaceService } from "./workspaces/service.ts";
import { LinkService } from "./workspaces/linking.ts";
import { InstallationService } from "./installations/service.ts";
import { IdentityService } from "./workspaces/identity.ts";
import { ProcessedEvents } from "./workspaces/processed-events.ts";
import { AutocompleteService } from "./search/autocomplete.ts";
import { SearchService } from "./search/search.ts";
import { RecordLists } from "./search/lists.ts";
import { AnalyticsService } from "./analytics/service.ts";
import type { DigestRenderer } from "./analytics/digest.ts";
import { ReportService, type ReportScheduler } from "./analytics/reports.ts";
import { CampaignService, type CampaignDeps } from "./campaigns/service.ts";
import { OptOutService } from "./campaigns/optout.ts";
import { EscalationService } from "./tickets/escalation.ts";
import { SlaService } from "./tickets/slaPolicy.ts";
import type { SlaTimerQueue } from "./tickets/slaTimers.ts";
import { ScoringService, type PredictJobs } from "./scoring/service.ts";
import { WinModelService } from "./predict/winModel.ts";
import { AccountHealthService } from "./health/accountHealth.ts";
import { CsatService } from "./health/csat.ts";
import { EventLog, type EventNudge } from "./events/record.ts";
import { MemberZoneService } from "./members/timeZone.ts";
import { TaskService } from "./tasks/service.ts";
import { TaskReminders, type TaskReminderQueue } from "./tasks/reminders.ts";
import { ContactEdits } from "./contacts/edit.ts";
import { CompanyEdits } from "./companies/edit.ts";
import { DealEdits } from "./deals/edit.ts";
import { TicketEdits } from "./tickets/edit.ts";
import { RecordArchive } from "./records/archive.ts";
import { RecordMerge } from "./records/merge.ts";
import { ContactForget } from "./records/forget.ts";
import { RecordHistory } from "./records/history.ts";
import { RecordUndo } from "./records/undo.ts";

export interface Services {
  /** mail to the workspaces' addresses: tickets from email, the sales BCC (src/domain/conversations) */
  inbox: InboxService;
  /** a ticket's conversation: replies to the customer (sent by a worker, once) and internal notes */
  conversations: ConversationService;
  /** Slack and Discord channels where customers write: their messages become tickets and conversations */
  chatInbox: ChatInbox;
  /** where each ticket's card was posted in the tickets channels; the team's messages in its thread are notes */
  ticketCards: TicketCards;
  /** Discord "Open a ticket" panels: a button in an inbox channel that opens a ticket in a private thread */
  inboxPanels: InboxPanels;
  /** the support mailbox at a mail provider, polled over IMAP (src/domain/mailboxes) */
  mailboxes: MailboxService;
  companies: CompanyService;
  contacts: ContactService;
  deals: DealService;
  rooms: RoomService;
  notify: NotifyService;
  interactions: InteractionService;
  pipelines: PipelineService;
  members: MemberService;
  /** Discord server roles → CRM roles for people joining */
  roleMap: RoleMapService;
  tickets: TicketService;
  /** one ticket per chat message (reactions, message shortcuts) */
  ticketFromMessage(actor: Actor, m: MessageSource): ReturnType<typeof ticketFromMessage>;
  /** a ticket's chat thread (Discord: a private thread in the support channel) */
  ticketThreads: TicketThreadService;
  /** support channel and deal forum */
  workspaceSettings: WorkspaceSettingsService;
  workspaces: WorkspaceService;
  links: LinkService;
  installations: InstallationService;
  identity: IdentityService;
  processedEvents: ProcessedEvents;
  /** read-only type-ahead over keys and names (Discord autocomplete) */
  autocomplete: AutocompleteService;
  /** /crm search and contact find: every kind of record, typo- and accent-tolerant */
  search: SearchService;
  /** contact, company, deal and ticket lists, a page at a time (after:<key>) */
  lists: RecordLists;
  /** digests on demand (reply or post to a channel) */
  analytics: AnalyticsService;
  /** scheduled digests per channel */
  reports: ReportService;
  /** SLA policy, re-prioritising, timer (re)scheduling and the sweep */
  sla: SlaService;
  /** what SLA timers and escalations tell whom (the sla worker calls fire) */
  escalations: EscalationService;
  campaigns: CampaignService;
  /** unsubscribe links (no actor: the signed token is the authority) */
  optOut: OptOutService;
  /** lead scores, score rules and lead routing (scores are computed by the predict worker) */
  scoring: ScoringService;
  /** win-probability model per workspace */
  winModel: WinModelService;
  /** healthy / watch / at risk per company */
  accountHealth: AccountHealthService;
  /** one-click satisfaction ratings of resolved tickets */
  csat: CsatService;
  /** whether a channel belongs to the workspace's own Slack team / Discord server (asked before saving and before posting) */
  channels: ChannelOwnership;
  /** what happened to records, written in the changes' transactions; the domain-events worker dispatches it */
  events: EventLog;
  /** follow-ups (F-3): add, list, done, snooze */
  tasks: TaskService;
  /** the DM at a task's due time, once (the task-reminders worker fires them) */
  taskReminders: TaskReminders;
  /** each member's time zone (their own, Slack's, the workspace's or UTC) */
  zones: MemberZoneService;
  /** contact, company, deal and ticket edit (and what the Edit forms show) */
  edits: { contacts: ContactEdits; companies: CompanyEdits; deals: DealEdits; tickets: TicketEdits };
  /** delete (archive) and restore any record */
  archive: RecordArchive;
  /** contact merge, company merge */
  merge: RecordMerge;
  /** contact forget: the right to erasure */
  forget: ContactForget;
  /** a record's audit trail, a page at a time */
  history: RecordHistory;
  /** the caller's own last change, reverted within 10 minutes */
  undo: RecordUndo;
}

export interface ServiceDeps {
  encryptionKey?: string;
  stateSecret?: string;
  outbox?: Outbox;
  logger?: Logger;
  slaTimers?: SlaTimerQueue;
  campaigns?: Omit<CampaignDeps, "outbox">;
  reportScheduler?: ReportScheduler;
  predictJobs?: PredictJobs;
  /** draws a digest for posting (src/commands/digestReply.ts); without it digests are not posted */
  renderDigest?: DigestRenderer;
  /** how long a caller's identity is cached (IDENTITY_TTL_MS) */
  identityTtlMs?: number;
  /** the platform adapters' answers; without it no channel is the workspace's own */
  channels?: ChannelOwnership;
  /** wakes the domain-events worker after a commit; without it events wait for the sweep */
  eventNudge?: EventNudge;
  /** delayed reminder jobs at tasks' due times; without it only the sweep sends reminders */
  taskReminders?: TaskReminderQueue;
  /** the domain of the workspaces' mail addresses (Config.inboundDomain); without it there are none */
  inboundDomain?: string;
  /** the domain of our outgoing Message-IDs when replies can be mailed (SMTP_URL set): INBOUND_DOMAIN, else MAIL_FROM's */
  replyDomain?: string;
  /** logs in to an IMAP mailbox before it is saved (adapters/email/inbound/imap.ts); without it none can be set up */
  mailboxProbe?: MailboxProbe;
  /** raw SQL on the pool (OpenedDb.rawSql) for the hot paths (a log in one statement, command claims); without it, Prisma */
  rawSql?: RawSql & Pick<PrismaClient, "$executeRaw">;
}

export function createServices(db: PrismaClient, deps: ServiceDeps = {}): Services {
  const events = new EventLog(db, deps.eventNudge, deps.logger, deps.rawSql);
  const companies = new CompanyService(db, events);
  const members = new MemberService(db);
  const pipelines = new PipelineService(db);
  const analytics = new AnalyticsService(db, deps.outbox, deps.renderDigest);
  const escalations = new EscalationService(db, deps.outbox);
  const sla = new SlaService(db, deps.slaTimers, escalations, deps.logger);
  const tickets = new TicketService(db, members, events, sla.hooks());
  const zones = new MemberZoneService(db);
  const tasks = new TaskService(db, members, zones, events, deps.taskReminders, deps.logger);
  const processedEvents = new ProcessedEvents(deps.rawSql ?? db);
  const deals = new DealService(db, pipelines, companies, members, events, processedEvents, deps.rawSql);
  const interactions = new InteractionService(
    db,
    events,
    (actor, ticketId, tx) => tickets.resume(actor, ticketId, tx),
    processedEvents,
    deps.rawSql,
  );
  const chatInbox = new ChatInbox(db, events, interactions, sla.hooks());
  return {
    inbox: new InboxService(db, events, sla.hooks(), deps.inboundDomain),
    conversations: new ConversationService(db, events, interactions, deps.replyDomain),
    chatInbox,
    ticketCards: new TicketCards(db, events),
    inboxPanels: new InboxPanels(chatInbox, deps.outbox),
    mailboxes: new MailboxService(db, { encryptionKey: deps.encryptionKey, probe: deps.mailboxProbe }),
    companies,
    contacts: new ContactService(db, companies, events),
    members,
    roleMap: new RoleMapService(db),
    tickets,
    ticketFromMessage: (actor, m) => ticketFromMessage(db, tickets, actor, m),
    pipelines,
    deals,
    rooms: new RoomService(db, deps.outbox),
    notify: new NotifyService(db, deps.outbox, deps.logger),
    interactions,
    ticketThreads: new TicketThreadService(db, interactions),
    workspaceSettings: new WorkspaceSettingsService(db),
    workspaces: new WorkspaceService(db),
    links: new LinkService(db),
    installations: new InstallationService(db, deps),
    identity: new IdentityService(db, deps.identityTtlMs),
    processedEvents,
    autocomplete: new AutocompleteService(db),
    search: new SearchService(db),
    lists: new RecordLists(db, pipelines),
    analytics,
    reports: new ReportService(db, analytics.digests, {
      scheduler: deps.reportScheduler,
      outbox: deps.outbox,
      render: deps.renderDigest,
      logger: deps.logger,
    }),
    sla,
    escalations,
    campaigns: new CampaignService(db, { ...deps.campaigns, outbox: deps.outbox }),
    optOut: new OptOutService(db, deps.campaigns?.email?.secret),
    scoring: new ScoringService(db, deps.predictJobs, deps.outbox),
    winModel: new WinModelService(db),
    accountHealth: new AccountHealthService(db),
    csat: new CsatService(db, deps.outbox),
    channels: deps.channels ?? new PlatformChannels(),
    events,
    tasks,
    taskReminders: new TaskReminders(db, zones, deps.outbox),
    zones,
    edits: {
      contacts: new ContactEdits(db, companies, events),
      companies: new CompanyEdits(db, events),
      deals: new DealEdits(db, companies, members, events),
      tickets: new TicketEdits(db, events, sla),
    },
    archive: new RecordArchive(db, events),
    merge: new RecordMerge(db, events),
    forget: new ContactForget(db, events),
    history: new RecordHistory(db),
    undo: new RecordUndo(db, events, deals, pipelines, sla, tasks),
  };
}
