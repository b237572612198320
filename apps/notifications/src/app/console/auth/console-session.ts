/** Who a console session belongs to: an operator, or a partner with what its link allowed. */
export type ConsoleSession =
  | {
      readonly kind: 'operator';
      readonly operatorId: string;
      readonly email: string;
      readonly csrfToken: string;
    }
  | {
      readonly kind: 'partner';
      readonly partnerId: string;
      readonly partnerName: string;
      readonly capability: PortalCapability;
      readonly csrfToken: string;
    };

/** `read` sees everything of its partner; `manage` may also change it. */
export type PortalCapability = 'read' | 'manage';

export const PORTAL_CAPABILITIES = [
  'read',
  'manage',
] as const satisfies readonly PortalCapability[];
