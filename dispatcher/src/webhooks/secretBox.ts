import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '@spir-webhooks/shared-types';

/**
 * Webhook secrets at rest. With SECRETS_KEY, each secret is stored sealed with AES-256-GCM (a
 * fresh 96-bit nonce per value; the tag authenticates it), so that a copy of the store holds no
 * secret anyone can sign with. Without it, secrets are stored as they are (with a warning at start).
 */
export interface SecretBox {
  readonly encrypting: boolean;
  /** What the store keeps for a secret. */
  seal(secret: string): string;
  /** The secret behind a stored value (sealed or, from before SECRETS_KEY was set, plain). */
  open(stored: string): string;
  /**
   * What a stored value must become now: plain values are sealed when there is a key; a sealed
   * value that this box cannot open (no key, another key) is a ConfigError.
   */
  reseal(stored: string): string;
}

const prefix = 'enc1:';

export function createSecretBox(key: Buffer | undefined): SecretBox {
  const opened = new Map<string, string>();
  const open = (stored: string): string => {
    if (!stored.startsWith(prefix)) return stored;
    if (key === undefined) {
      throw new ConfigError(
        'SECRETS_KEY: this store holds encrypted webhook secrets; set SECRETS_KEY to the key they were encrypted with',
      );
    }
    const cached = opened.get(stored);
    if (cached !== undefined) return cached;
    const [nonce = '', tag = '', sealed = ''] = stored.slice(prefix.length).split('.');
    let secret: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      secret = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new ConfigError(
        'SECRETS_KEY does not open the webhook secrets in this store; set it to the key they were encrypted with',
        { cause: error },
      );
    }
    // Opening happens for every attempt; a bounded cache keeps it off the hot path.
    if (opened.size >= 10_000) opened.clear();
    opened.set(stored, secret);
    return secret;
  };
  const seal = (secret: string): string => {
    if (key === undefined) return secret;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${prefix}${[nonce, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.')}`;
  };
  return {
    encrypting: key !== undefined,
    seal,
    open,
    reseal: (stored) => {
      const secret = open(stored);
      return stored.startsWith(prefix) || key === undefined ? stored : seal(secret);
    },
  };
}
