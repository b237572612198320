import { ConsoleSessionGuard } from './auth/console-session.guard';
import { ConsoleSessionRepository } from './auth/console-session.repository';
import { CreateOperatorUseCase } from './auth/create-operator.usecase';
import { EndPortalAccessUseCase } from './auth/end-portal-access.usecase';
import { EnterPortalUseCase } from './auth/enter-portal.usecase';
import { IssuePortalLinkUseCase } from './auth/issue-portal-link.usecase';
import { OperatorBootstrap } from './auth/operator-bootstrap';
import { OperatorRepository } from './auth/operator.repository';
import { PortalLinkRepository } from './auth/portal-link.repository';
import { SignInUseCase } from './auth/sign-in.usecase';
import { ConsoleAssetsController } from './console-assets.controller';
import { ConsoleErrorFilter } from './console-error.filter';
import { ConsoleFormBody } from './console-form-body';
import { ConsoleNotFoundController } from './console-not-found.controller';
import { ConsoleViews } from './console-views';
import { ConsoleOverviewRepository } from './operator/console-overview.repository';
import { OperatorEndpointActionsUseCase } from './operator/operator-endpoint-actions.usecase';
import { OperatorEndpointsPageController } from './operator/operator-endpoints-page.controller';
import { OperatorEndpointsRepository } from './operator/operator-endpoints.repository';
import { OperatorMessagesPageController } from './operator/operator-messages-page.controller';
import { EventCatalogPageController } from './operator/event-catalog-page.controller';
import { PaymentsAdminClient } from './operator/payments-admin.client';
import { StripeEventsPageController } from './operator/stripe-events-page.controller';
import { OverviewPageController } from './operator/overview-page.controller';
import { PartnersPageController } from './operator/partners-page.controller';
import { SendExampleEventUseCase } from '../delivery/send-example-event.usecase';
import { EndpointCircuitRepository } from './portal/endpoint-circuit.repository';
import { PortalEndpointActionsController } from './portal/portal-endpoint-actions.controller';
import { PortalEndpointFormController } from './portal/portal-endpoint-form.controller';
import { PortalEndpointPage } from './portal/portal-endpoint-page';
import { PortalEndpointsPageController } from './portal/portal-endpoints-page.controller';
import { PortalEntryController } from './portal/portal-entry.controller';
import { PortalMessagesPageController } from './portal/portal-messages-page.controller';
import { RecoverFailedMessagesUseCase } from './portal/recover-failed-messages.usecase';
import { ServiceMetricsReader } from './operator/service-metrics.reader';
import { ReplaysPageController } from './operator/replays-page.controller';
import { SignInController } from './sign-in.controller';

/** The web console's controllers (HTML pages, not in the OpenAPI document). */
export const consoleControllers = [
  ConsoleNotFoundController,
  ConsoleAssetsController,
  SignInController,
  OverviewPageController,
  PartnersPageController,
  PortalEntryController,
  PortalEndpointsPageController,
  PortalEndpointFormController,
  PortalEndpointActionsController,
  PortalMessagesPageController,
  OperatorEndpointsPageController,
  OperatorMessagesPageController,
  EventCatalogPageController,
  StripeEventsPageController,
  ReplaysPageController,
  // operator stripe events, replays, catalog
];

/** The web console's providers; IssuePortalLinkUseCase also serves the admin API. */
export const consoleProviders = [
  ConsoleViews,
  ConsoleErrorFilter,
  ConsoleFormBody,
  ConsoleSessionGuard,
  ConsoleSessionRepository,
  OperatorRepository,
  PortalLinkRepository,
  ConsoleOverviewRepository,
  CreateOperatorUseCase,
  SignInUseCase,
  IssuePortalLinkUseCase,
  EnterPortalUseCase,
  OperatorBootstrap,
  EndPortalAccessUseCase,
  PortalEndpointPage,
  EndpointCircuitRepository,
  SendExampleEventUseCase,
  RecoverFailedMessagesUseCase,
  OperatorEndpointsRepository,
  OperatorEndpointActionsUseCase,
  PaymentsAdminClient,
  ServiceMetricsReader,
  // operator stripe events, replays, catalog
];
