import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/**
 * Powertools idempotency store kept in a Map, with the same conditional-put rule as the DynamoDB layer:
 * a key can be taken only if absent, expired, or INPROGRESS past its in-progress expiry.
 * Several instances may share one `items` map, as two DynamoDBPersistenceLayer instances share one table.
 */
export class InMemoryPersistenceLayer extends BasePersistenceLayer {
  /** `latencyMs` delays every store call, as a DynamoDB round trip would (benchmark). */
  constructor(
    readonly items: Map<string, IdempotencyRecord> = new Map(),
    private readonly latencyMs = 0,
  ) {
    super();
  }

  private async delay(): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }

  protected async _getRecord(key: string): Promise<IdempotencyRecord> {
    await this.delay();
    const r = this.items.get(key);
    if (!r) throw new IdempotencyItemNotFoundError();
    return r;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    await this.delay();
    const existing = this.items.get(record.idempotencyKey);
    if (existing) {
      const expired = existing.expiryTimestamp !== undefined && existing.expiryTimestamp < Date.now() / 1000;
      const inProgressExpired =
        existing.getStatus() === 'INPROGRESS' &&
        existing.inProgressExpiryTimestamp !== undefined &&
        existing.inProgressExpiryTimestamp < Date.now();
      if (!expired && !inProgressExpired) {
        throw new IdempotencyItemAlreadyExistsError(`key ${record.idempotencyKey} already exists`, existing);
      }
    }
    this.items.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    await this.delay();
    this.items.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    await this.delay();
    this.items.delete(record.idempotencyKey);
  }
}
