-- CreateTable
CREATE TABLE "TicketCard" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "ticketId" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "channelId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TicketCard_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TicketCard_workspaceId_platform_messageId_channelId_key" ON "TicketCard"("workspaceId", "platform", "messageId", "channelId");

-- CreateIndex
CREATE UNIQUE INDEX "TicketCard_ticketId_platform_channelId_key" ON "TicketCard"("ticketId", "platform", "channelId");

-- AddForeignKey
ALTER TABLE "TicketCard" ADD CONSTRAINT "TicketCard_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TicketCard" ADD CONSTRAINT "TicketCard_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
