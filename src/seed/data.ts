// Word lists for the demo workspace. Companies are made up; their domains use the reserved `.example`
// top-level domain (RFC 2606) so a campaign sent from the demo can never reach a real inbox.

export const DEMO_WORKSPACE = "Demo Co";

export const TEAM = [
  { name: "Maya Chen", role: "admin", onCall: false },
  { name: "Jonas Weber", role: "manager", onCall: false },
  { name: "Priya Raman", role: "agent", onCall: true },
  { name: "Diego Alvarez", role: "agent", onCall: false },
  { name: "Sam Okafor", role: "agent", onCall: false },
] as const;

export const COMPANIES: readonly { name: string; domain: string; eur?: boolean }[] = [
  { name: "Northwind Traders", domain: "northwind.example" },
  { name: "Brightlane Logistics", domain: "brightlane.example" },
  { name: "Kestrel Analytics", domain: "kestrel-analytics.example" },
  { name: "Bluefin Health", domain: "bluefinhealth.example" },
  { name: "Copperleaf Foods", domain: "copperleaf.example" },
  { name: "Halden Maschinenbau", domain: "halden.example", eur: true },
  { name: "Orchard Lane Retail", domain: "orchardlane.example" },
  { name: "Pinecrest Capital", domain: "pinecrest.example" },
  { name: "Quillon Software", domain: "quillon.example" },
  { name: "Rivermark Studios", domain: "rivermark.example" },
  { name: "Solstice Energy", domain: "solstice-energy.example" },
  { name: "Tidewater Insurance", domain: "tidewater.example" },
  { name: "Umbra Security", domain: "umbrasec.example" },
  { name: "Vantage Robotics", domain: "vantagerobotics.example" },
  { name: "Willowbrook Schools", domain: "willowbrook.example" },
  { name: "Atelier Moreau", domain: "ateliermoreau.example", eur: true },
  { name: "Beacon Freight", domain: "beaconfreight.example" },
  { name: "Cobalt Mobility", domain: "cobaltmobility.example" },
  { name: "Driftwood Hotels", domain: "driftwoodhotels.example" },
  { name: "Evergreen Dental", domain: "evergreendental.example" },
  { name: "Fjordline Shipping", domain: "fjordline.example", eur: true },
  { name: "Granite Peak Outdoors", domain: "granitepeak.example" },
  { name: "Helix Biolabs", domain: "helixbio.example" },
  { name: "Ironwood Manufacturing", domain: "ironwood.example" },
  { name: "Juniper Legal", domain: "juniperlegal.example" },
];

export const FIRST_NAMES = [
  "Ana", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jamal", "Katarina", "Liam", "Mei",
  "Noah", "Olivia", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes", "Ximena", "Yusuf", "Zoe",
  "Amara", "Bruno", "Carmen", "Dmitri", "Esther", "Felix", "Gita", "Hannah", "Ivan", "Julia", "Kofi", "Lena",
  "Mateo", "Nadia", "Oscar", "Paula", "Rafael", "Sofia", "Tomas", "Ines", "Leo", "Maren", "Nikhil", "Ruth",
];

export const LAST_NAMES = [
  "Lopez", "Becker", "Nguyen", "Kowalski", "Haddad", "Tanaka", "Moreau", "Silva", "O'Brien", "Johansson", "Rossi",
  "Patel", "Kim", "Schmidt", "Garcia", "Novak", "Adeyemi", "Fischer", "Dubois", "Costa", "Larsen", "Ivanova",
  "Mensah", "Okoro", "Brennan", "Yamamoto", "Horvat", "Andersen", "Reyes", "Weiss", "Sato", "Mbeki", "Lindqvist",
  "Ferreira", "Kaur", "Walsh", "Romano", "Hughes", "Berg", "Alvarez",
];

export const TITLES = [
  "CEO", "COO", "CFO", "CTO", "VP Sales", "VP Operations", "Head of IT", "IT Manager", "Procurement Lead",
  "Operations Manager", "Customer Success Lead", "Office Manager", "Finance Director", "Product Manager",
  "Engineering Manager", "Support Lead", "Marketing Director", "Founder",
];

export const TAGS: readonly (readonly [string, number])[] = [["vip", 2], ["trial", 3], ["partner", 2], ["champion", 2], ["decision-maker", 3], ["newsletter", 2]];

export const DEAL_KINDS = [
  "annual plan", "renewal", "expansion", "pilot", "enterprise license", "seat upgrade", "onboarding package",
  "support add-on", "multi-year renewal", "analytics add-on",
];

export const LOST_REASONS = [
  "Went with a competitor on price", "No budget this year", "Project shelved after reorg", "Chose to build in-house",
  "Champion left the company", "Missing SSO integration", "Timing: revisit next quarter", "Procurement stalled",
];

export const SUMMARIES: Record<"call" | "email" | "meeting" | "note" | "chat", readonly string[]> = {
  call: [
    "Discovery call: current tooling, team size and pain points", "Walked through pricing tiers; they want annual billing",
    "Check-in call, usage is up since onboarding", "Call with finance about payment terms", "Left a voicemail, will retry Thursday",
    "Renewal call: asked about multi-year discount", "Escalation call about last week's outage", "Intro call with new stakeholder",
    "Reviewed security questionnaire answers", "Quick call to confirm the kickoff date",
  ],
  email: [
    "Sent proposal and order form", "Shared case study from a similar customer", "Followed up on open questions from the demo",
    "Sent updated quote with volume discount", "Replied with the SSO setup guide", "Sent contract redlines back to legal",
    "Shared onboarding checklist", "Asked for intro to the procurement team", "Sent invoice copy and payment link",
    "Recap of today's meeting with next steps",
  ],
  meeting: [
    "Product demo for the operations team", "Quarterly business review", "Kickoff meeting with the implementation team",
    "On-site workshop on reporting", "Negotiation meeting with procurement", "Executive sponsor lunch",
    "Roadmap preview under NDA", "Training session for new admins",
  ],
  note: [
    "Budget approved for Q1; decision by end of month", "Competitor in the deal, they are cheaper but lack integrations",
    "Champion is moving teams next month, find a new sponsor", "Prefers email over calls", "Legal review takes ~2 weeks here",
    "Interested in the analytics add-on later this year", "Wants references from their industry", "Renewal at risk: low usage in one team",
  ],
  chat: [
    "Pinged in the shared channel about the contract status", "Answered a question about CSV import limits",
    "Shared a link to the API docs", "Confirmed the meeting time in chat", "Quick thumbs-up on the new pricing",
    "Asked how to add more seats", "Sent a screenshot of the error they see",
  ],
};

export const TICKET_SUBJECTS = [
  "Cannot log in after password reset", "CSV import fails on row 1,204", "Invoice shows the wrong VAT number",
  "SSO login loops back to the start page", "Export to Excel is missing the last column", "Dashboard very slow since Monday",
  "Need to add 10 more seats", "Webhook deliveries failing with 502", "Two-factor codes not arriving by SMS",
  "How do I merge duplicate contacts?", "API rate limit hit during nightly sync", "Report emails go to spam",
  "User cannot see shared pipeline", "Mobile app crashes on startup", "Request: change billing contact",
  "Data retention question from legal", "Calendar sync creates duplicate events", "Search does not find contacts by phone",
  "Attachments over 10 MB are rejected", "Cancel the trial workspace", "Password policy too strict for contractors",
  "Timezone wrong on scheduled reports", "Custom field disappeared after update", "Bulk email stuck in sending",
  "Permissions: agent can see all deals", "Integration with accounting tool stopped", "Audit log export request",
  "Charts show blank on Safari", "Error 500 when saving a deal", "Question about the renewal invoice",
];
