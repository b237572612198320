import { Injectable } from '@nestjs/common';
import { generateSecret } from '@switchyard/signing';
import { type RotateSecretCommand } from './endpoint-fields';
import { EndpointNotFoundError } from './endpoint-not-found.error';
import { EndpointRepository } from './endpoint.repository';

/**
 * A new secret at once; the old one keeps signing beside it for `graceSeconds` (default a day),
 * so the partner can switch its verifier without missing a message.
 */
@Injectable()
export class RotateEndpointSecretUseCase {
  constructor(private readonly endpoints: EndpointRepository) {}

  async execute(partnerId: string, id: string, command: RotateSecretCommand) {
    const rotated = await this.endpoints.rotateSecret(
      partnerId,
      id,
      generateSecret(),
      command.graceSeconds,
    );
    if (!rotated) throw new EndpointNotFoundError();
    return rotated;
  }
}
