/** How to make a token that passes, said in every refusal. */
export const makeTokenHint = 'make one with: openssl rand -base64 32';

/** Words of examples and compose files people copy: refused even among random characters. */
const placeholderWords = /change[-_]?me|replace[-_]?me|your[-_]?token|example|placeholder|secret[-_]?token/i;
/** Different characters a secret must hold at least: random ones of 32 hex digits hold 14 on average, rarely under 10. */
const minDistinctCharacters = 8;
/** Share of its 4-character blocks a secret must not repeat: random ones repeat almost none. */
const minDistinctBlockShare = 0.8;
const blockLength = 4;

/**
 * Whether a secret of 32 or more characters looks typed rather than random, judged by its
 * entropy rather than a list: too few different characters (`abab…`), or blocks repeated
 * (`passwordpassword…`, `change_me_change_me_…`, `0123456789abcdef` twice). Random tokens
 * (`openssl rand -base64 32` or `-hex 16`, `randomBytes(32)`) pass all but never; a typed one
 * rarely does.
 */
export function isWeakSecret(secret: string): boolean {
  if (placeholderWords.test(secret)) return true;
  if (new Set(secret).size < minDistinctCharacters) return true;
  const blocks = new Set<string>();
  const count = secret.length - blockLength + 1;
  for (let i = 0; i < count; i++) blocks.add(secret.slice(i, i + blockLength));
  return count > 0 && blocks.size / count < minDistinctBlockShare;
}
