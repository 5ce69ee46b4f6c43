/** An RFC 8628 device authorization request, stored by the digest of its device_code. */
export type DeviceGrantStatus = 'pending' | 'approved' | 'denied' | 'used' | 'failed';

export interface DeviceGrant {
  id: string;
  deviceDigest: string;
  /** 8 letters, stored without the dash. */
  userCode: string;
  clientId: string;
  scopes: string[];
  tokenName: string;
  /** Org names asked for; null: all of the approver's orgs (a global token). */
  orgs: string[] | null;
  expiresInDays: number | null;
  createdAt: number;
  expiresAt: number;
  intervalSeconds: number;
  lastPollAt: number | null;
  status: DeviceGrantStatus;
  userId: string | null;
  decidedAt: number | null;
  tokenId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface DeviceGrantRepo {
  insert(g: DeviceGrant): Promise<void>;
  byUserCode(userCode: string): Promise<DeviceGrant | null>;
  byDigest(digest: string): Promise<DeviceGrant | null>;
  /** Compare-and-set on status: returns false when the grant was not in `from` any more. */
  transition(id: string, from: DeviceGrantStatus, patch: Partial<Pick<DeviceGrant, 'status' | 'userId' | 'decidedAt' | 'tokenId' | 'orgs' | 'expiresInDays'>>): Promise<boolean>;
  polled(id: string, at: number, intervalSeconds: number): Promise<void>;
  /** Drops grants that expired before `before`. */
  purge(before: number): Promise<number>;
}
