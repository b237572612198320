import { HttpException } from '@nestjs/common';

export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: readonly unknown[];
}

/** Every API failure answers `{ error: { code, message, details? } }` with the right status. */
export class ApiError extends HttpException {
  constructor(status: number, code: string, message: string, details?: readonly unknown[]) {
    super(
      { error: { code, message, ...(details ? { details } : {}) } satisfies ApiErrorBody },
      status,
    );
  }
}
