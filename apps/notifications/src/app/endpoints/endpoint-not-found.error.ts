import { ApiError } from '@switchyard/service';

/** The one answer for an endpoint id that is not the partner's, or cannot be an endpoint's at all. */
export class EndpointNotFoundError extends ApiError {
  constructor() {
    super(404, 'endpoint_not_found', 'No endpoint of yours has this id');
  }
}
