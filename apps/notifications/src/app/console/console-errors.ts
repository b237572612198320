import { ApiError } from '@switchyard/service';

/**
 * A page that is not there for this session: not existing, another partner's, or another area's
 * all answer the same, so nobody learns what exists by asking.
 */
export const pageNotFound = () => new ApiError(404, 'not_found', 'There is no such page');
