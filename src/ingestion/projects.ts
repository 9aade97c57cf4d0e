import {
  type Catalog,
  DuplicateKeyError,
  type ProjectRecord,
  type TenantProfile,
} from '../datasources/catalog/catalog.js';
import { ConflictError, NotFoundError } from '../errors/errors.js';
import { type ObjectLifecycle } from './lifecycle.js';
import { assertProjectName } from './names.js';
import { normaliseProfile } from './profile.js';

/** Projects (containers): a bucket in the raw zone and a tenant profile in the catalog. */
export class Projects {
  constructor(
    private readonly catalog: Catalog,
    private readonly lifecycle: ObjectLifecycle,
  ) {}

  async create(name: string, profile: Partial<TenantProfile>): Promise<ProjectRecord> {
    assertProjectName(name);
    const record: ProjectRecord = { name, createdAt: new Date(), profile: normaliseProfile(profile) };
    await this.lifecycle.ensureBucket(name);
    try {
      await this.catalog.createProject(record);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new ConflictError(`project ${name} exists`);
      throw error;
    }
    return record;
  }

  async update(name: string, profile: Partial<TenantProfile>): Promise<ProjectRecord> {
    const current = await this.get(name);
    const updated = await this.catalog.updateProfile(name, normaliseProfile(profile, current.profile));
    if (!updated) throw new NotFoundError(`no project ${name}`);
    return updated;
  }

  async get(name: string): Promise<ProjectRecord> {
    const [project] = await this.catalog.projects([name]);
    if (!project) throw new NotFoundError(`no project ${name}`);
    return project;
  }
}
