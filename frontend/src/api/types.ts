// Names for the generated OpenAPI types (src/api/schema.d.ts, from services/api/openapi.json at
// build time): a renamed or removed field in the API fails `npm run build` here or at its use.
import type { components } from "./schema";

type S = components["schemas"];
export type Listing = S["Listing"];
export type Image = S["Image"];
export type Job = S["Job"];
export type JobLog = S["JobLog"];
export type JobWithLogs = S["JobWithLogs"];
export type Account = S["Account"];
export type AccountCreate = S["AccountCreate"];
export type AccountPatch = S["AccountPatch"];
export type ResponderSettings = S["ResponderSettings"];
export type ResponderSettingsUpdate = S["ResponderSettingsUpdate"];
export type Conversation = S["Conversation"];
export type ConversationDetail = S["ConversationDetail"];
export type ConversationPatch = S["ConversationPatch"];
export type Message = S["Message"];
export type MessageCreate = S["MessageCreate"];
export type Stats = S["Stats"];
export type Problem = S["Problem"];
export type ListingStatus = NonNullable<S["ListingForm"]["status"]>;
export type Condition = NonNullable<S["ListingForm"]["condition"]>;

// Posting pacing (issue 10, contracts.md E4): per platform, saved values (null: the default)
// and the values in force.
export type PacingSettings = S["PacingSettings"];
export type PacingValues = S["PacingValues"];

// Login and API tokens (issue 11).
export type AuthSession = S["AuthSession"];
export type ApiToken = S["ApiToken"];
export type ApiTokenCreated = S["ApiTokenCreated"];
