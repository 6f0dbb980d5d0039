-- CreateEnum
CREATE TYPE "ConversationKind" AS ENUM ('inbound', 'outbound', 'note');

-- CreateEnum
CREATE TYPE "ConversationChannel" AS ENUM ('email', 'slack', 'discord', 'console');

-- CreateEnum
CREATE TYPE "MessageDelivery" AS ENUM ('pending', 'sending', 'sent', 'failed');

-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN     "inboxKey" TEXT;

-- CreateTable
CREATE TABLE "TicketMessage" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "ticketId" TEXT NOT NULL,
    "kind" "ConversationKind" NOT NULL,
    "channel" "ConversationChannel" NOT NULL,
    "contactId" TEXT,
    "memberId" TEXT,
    "text" TEXT NOT NULL,
    "subject" TEXT,
    "externalId" TEXT,
    "inReplyTo" TEXT,
    "attachments" JSONB,
    "delivery" "MessageDelivery",
    "deliveryError" TEXT,
    "sentAt" TIMESTAMP(3),
    "toAddress" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TicketMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TicketMessage_ticketId_createdAt_idx" ON "TicketMessage"("ticketId", "createdAt");

-- CreateIndex
CREATE INDEX "TicketMessage_contactId_idx" ON "TicketMessage"("contactId");

-- CreateIndex
CREATE INDEX "TicketMessage_memberId_idx" ON "TicketMessage"("memberId");

-- CreateIndex
CREATE UNIQUE INDEX "TicketMessage_workspaceId_channel_externalId_key" ON "TicketMessage"("workspaceId", "channel", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_inboxKey_key" ON "Workspace"("inboxKey");

-- AddForeignKey
ALTER TABLE "TicketMessage" ADD CONSTRAINT "TicketMessage_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TicketMessage" ADD CONSTRAINT "TicketMessage_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TicketMessage" ADD CONSTRAINT "TicketMessage_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TicketMessage" ADD CONSTRAINT "TicketMessage_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE SET NULL ON UPDATE CASCADE;
