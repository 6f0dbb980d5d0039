-- CreateTable
CREATE TABLE "InboxChannel" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "channelId" TEXT NOT NULL,
    "companyId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InboxChannel_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InboxChannel_workspaceId_idx" ON "InboxChannel"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "InboxChannel_platform_channelId_key" ON "InboxChannel"("platform", "channelId");

-- AddForeignKey
ALTER TABLE "InboxChannel" ADD CONSTRAINT "InboxChannel_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboxChannel" ADD CONSTRAINT "InboxChannel_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE SET NULL ON UPDATE CASCADE;
