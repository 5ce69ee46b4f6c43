/** A git repository of an org, served at {PUBLIC_URL}/{org}/_git/{name}. */
export interface GitRepo {
  id: string;
  orgId: string;
  name: string;
  createdAt: number;
  createdBy: string | null;
}

export interface GitRepoRepo {
  insert(g: GitRepo): Promise<void>;
  get(orgId: string, name: string): Promise<GitRepo | null>;
  listForOrg(orgId: string): Promise<GitRepo[]>;
  delete(id: string): Promise<void>;
}

/** Where the bare repositories live (the git adapter implements it on disk). */
export interface RepoStorage {
  /** Creates an empty bare repository with HEAD on main (adopts one already on disk). */
  create(org: string, name: string): Promise<void>;
  remove(org: string, name: string): Promise<void>;
}
