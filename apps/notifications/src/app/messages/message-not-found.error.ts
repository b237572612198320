import { ApiError } from '@switchyard/service';

/** The one answer for a message id that is not the partner's, or cannot be a message's at all. */
export class MessageNotFoundError extends ApiError {
  constructor() {
    super(404, 'message_not_found', 'No message of yours has this id');
  }
}
