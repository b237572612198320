import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { generateApiKey, hashApiKey } from './api-key';
import { PartnerRepository } from './partner.repository';

/** A new partner and its API key; the key is in this answer only, we keep its hash. */
@Injectable()
export class CreatePartnerUseCase {
  constructor(private readonly partners: PartnerRepository) {}

  async execute(name: string): Promise<{ id: string; name: string; apiKey: string }> {
    const id = randomUUID();
    const apiKey = generateApiKey();
    await this.partners.add({ id, name, apiKeyHash: hashApiKey(apiKey) });
    return { id, name, apiKey };
  }
}
