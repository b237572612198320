import { z } from 'zod';

/** A message id as fan-out makes it: "msg_" and a UUID (v7). Nothing else names a message. */
const MESSAGE_ID_PATTERN = /^msg_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const MessageId = z
  .string()
  .regex(
    MESSAGE_ID_PATTERN,
    'must be a message id as returned, such as msg_0193a6c4-7b1e-7c2a-9f4e-2d1b8a6c5e01',
  );
