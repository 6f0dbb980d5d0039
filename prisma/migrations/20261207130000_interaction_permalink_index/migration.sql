-- CreateIndex
CREATE INDEX "Interaction_workspaceId_permalink_idx" ON "Interaction"("workspaceId", "permalink");
