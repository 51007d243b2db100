// Keystone tokens live in simulator memory: they are not cloud state the runbooks inspect.
import { randomBytes, randomUUID } from 'node:crypto';

export interface TokenInfo {
  id: string;
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  issuedAt: Date;
  expiresAt: Date;
  auditId: string;
}

/** Keystone's default [token] expiration. */
const TOKEN_TTL_MS = 3600_000;

export class TokenStore {
  private tokens = new Map<string, TokenInfo>();

  issue(user: { id: string; name: string }, project: { id: string; name: string }): TokenInfo {
    // Fernet tokens start with gAAAAA; the shape helps spot a token leaking into output.
    const id = 'gAAAAA' + randomBytes(60).toString('base64url');
    const now = new Date();
    const t: TokenInfo = {
      id,
      userId: user.id,
      userName: user.name,
      projectId: project.id,
      projectName: project.name,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + TOKEN_TTL_MS),
      auditId: randomUUID().replace(/-/g, '').slice(0, 22),
    };
    this.tokens.set(id, t);
    return t;
  }

  /** Forgets a token, as Keystone does once it expired. */
  revoke(id: string | undefined): void {
    if (id) this.tokens.delete(id);
  }

  check(id: string | undefined): TokenInfo | undefined {
    if (!id) return undefined;
    const t = this.tokens.get(id);
    if (!t) return undefined;
    if (t.expiresAt.getTime() <= Date.now()) {
      this.tokens.delete(id);
      return undefined;
    }
    return t;
  }
}
