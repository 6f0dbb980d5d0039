-- A campaign send updates each recipient twice (pending → sending → sent). With status in an index,
-- every update wrote a new entry into all five indexes of the table; without it, and with room left in
-- each page for the new row versions, the updates are HOT (heap-only: no index entries, the old
-- version pruned in place). Measured in bench/campaign.ts: PostgreSQL CPU per recipient fell by more
-- than half. Lookups by campaign and status use the (campaignId, contactId) index.
DROP INDEX "CampaignRecipient_campaignId_status_idx";

-- Prisma has no syntax for storage parameters; this one stays out of schema.prisma (db:drift ignores it).
ALTER TABLE "CampaignRecipient" SET (fillfactor = 50);
