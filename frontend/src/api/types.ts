// Names for the generated OpenAPI types (src/api/schema.d.ts, from services/api/openapi.json at
// build time): a renamed or removed field in the API fails `npm run build` here or at its use.
import type { components } from "./schema";

type S = components["schemas"];
export type Listing = S["Listing"] & ListingIssue10;
export type Image = S["Image"];
// Issue 10 fields (contracts.md E3/E4) written by hand until the delist and sched branches'
// openapi.json lands; once generated, these are the same names and this intersection is a no-op.
type JobIssue10 = {
  kind?: "post" | "delist" | "update";
  posting_job_id?: number | null;
  reason?: "sold" | "deleted" | null;
  changed?: string[] | null;
  error_retryable?: boolean | null;
  delist_job_id?: number | null;
  update_job_id?: number | null;
  scheduled_at?: string | null;
  schedule_reason?: string | null;
};
type ListingIssue10 = {
  sold_price?: number | null;
  sold_price_cents?: number | null;
  sold_platform?: string | null;
  sold_at?: string | null;
};
export type Job = S["Job"] & JobIssue10;
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

// Posting pacing (contracts.md E4, sched's settings API): the SPA's proposal in requests.md until
// the spec has it.
export type PlatformPacing = {
  platform: string;
  min_gap_s: number | null;
  jitter_s: number | null;
  posts_per_day: number | null;
  delists_per_day: number | null;
  updates_per_day: number | null;
  timezone?: string | null;
};
export type PostingPacing = { platforms: PlatformPacing[] };
