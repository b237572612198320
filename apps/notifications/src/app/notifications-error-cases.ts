import { type ApiErrorCase } from '@switchyard/service';

/** What PartnerAuthGuard answers a request without a valid API key. */
export const PARTNER_AUTH_ERRORS: readonly ApiErrorCase[] = [
  { status: 401, code: 'missing_credentials', when: 'no "Authorization: Bearer <API key>"' },
  { status: 401, code: 'invalid_api_key', when: "the API key is not a partner's" },
];

/** EndpointNotFoundError. */
export const ENDPOINT_NOT_FOUND: ApiErrorCase = {
  status: 404,
  code: 'endpoint_not_found',
  when: 'no endpoint of yours has this id',
};

/** MessageNotFoundError. */
export const MESSAGE_NOT_FOUND: ApiErrorCase = {
  status: 404,
  code: 'message_not_found',
  when: 'no message of yours has this id',
};

/** DestinationCheck: delivery would refuse the URL. */
export const UNSAFE_URL: ApiErrorCase = {
  status: 422,
  code: 'unsafe_url',
  when: 'the URL leads somewhere deliveries may not go (a private network, plain http)',
};

/** checkedFilter: the filter is not one the matcher understands; details give its path. */
export const INVALID_FILTER: ApiErrorCase = {
  status: 422,
  code: 'invalid_filter',
  when: 'the filter is not valid; details give the path of the offending part',
};
