import { Injectable } from '@nestjs/common';
import { ApiError } from '@switchyard/service';
import { generateApiKey, hashApiKey } from './api-key';
import { PartnerRepository } from './partner.repository';

/**
 * A partner's API key revoked and replaced (a leaked key, a departing integrator): the old key
 * fails from the next request, the new one is in this answer only.
 */
@Injectable()
export class RevokeApiKeyUseCase {
  constructor(private readonly partners: PartnerRepository) {}

  async execute(partnerId: string): Promise<{ partnerName: string; apiKey: string }> {
    const apiKey = generateApiKey();
    const partnerName = await this.partners.replaceApiKey(partnerId, hashApiKey(apiKey));
    if (partnerName === undefined)
      throw new ApiError(404, 'partner_not_found', 'There is no partner with this id');
    return { partnerName, apiKey };
  }
}
