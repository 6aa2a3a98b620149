import { renameSync, writeFileSync } from 'node:fs';
import { ensurePrivateFolder, privateFileMode } from '../dataFiles';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailMessage } from './failureEmail';

/** Sends one message; rejects when the message was not accepted. */
export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  close(): void;
}

/** SMTP through nodemailer, with limits short enough for the sender's lease. */
export function createSmtpMailer(smtpUrl: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl, {
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[1]);
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}

/**
 * The embedded default: each message is written as an .eml file (written whole, then renamed)
 * under `folder`, so that `npm start` needs no mail server.
 */
export function createOutboxFolderMailer(folder: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      ensurePrivateFolder(folder, 'DATA_DIR');
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${message.messageId.replace(/[^A-Za-z0-9_-]/g, '')}.eml`;
      const partial = join(folder, `.${name}.partial`);
      writeFileSync(partial, info.message as Buffer, { mode: privateFileMode });
      renameSync(partial, join(folder, name));
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
