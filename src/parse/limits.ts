// The one table of text limits (docs/typing.md, "Text limits"). Every text argument of every command, the forms
// (Slack and Discord modals) and the CSV import use these numbers, so a value that fits one way in fits
// every way in, and what is stored fits what the platforms can show (docs/PLATFORM-LIMITS.md: a Discord
// message is at most 2000 characters, a Slack modal field 3000, a Slack header 150).
export const TEXT_LIMITS = {
  /** contact and company names, deal titles */
  name: 200,
  /** ticket subjects and campaign email subjects */
  subject: 200,
  /** campaign names (they head the campaign's card) */
  campaignName: 120,
  /** phone numbers */
  phone: 50,
  /** any other one-line value: job titles, company names in company:, keys, references, stages, domains */
  line: 200,
  /** log summaries, reasons, closing notes, campaign messages: one Discord message */
  note: 2000,
  /** a whole typed command (the text after /crm) */
  command: 4000,
} as const;
