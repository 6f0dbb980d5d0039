-- DropIndex
DROP INDEX "Interaction_workspaceId_occurredAt_idx";

-- CreateIndex
CREATE INDEX "Interaction_workspaceId_occurredAt_kind_authorId_dealId_idx" ON "Interaction"("workspaceId", "occurredAt", "kind", "authorId", "dealId");

-- CreateIndex
CREATE INDEX "Ticket_workspaceId_firstResponseAt_idx" ON "Ticket"("workspaceId", "firstResponseAt");
