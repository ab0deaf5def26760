/** The parts of the untyped official SDK this source and the audience sync use (its calls resolve to the parsed body). */
declare module '@mailchimp/mailchimp_marketing' {
  type Query = Record<string, string | string[] | number | undefined>;

  interface MailchimpClient {
    basePath: string;
    /** Per request, in milliseconds. */
    timeout: number;
    setConfig(config: { apiKey: string; server: string }): void;
    campaigns: {
      list(query: Query): Promise<unknown>;
      getContent(campaignId: string, query?: Query): Promise<unknown>;
    };
    reports: {
      getCampaignReport(campaignId: string, query?: Query): Promise<unknown>;
      getEmailActivityForCampaign(campaignId: string, query: Query): Promise<unknown>;
    };
    lists: {
      getListMembersInfo(listId: string, query: Query): Promise<unknown>;
      updateListMemberTags(
        listId: string,
        subscriberHash: string,
        body: { tags: { name: string; status: 'active' | 'inactive' }[] },
      ): Promise<unknown>;
      /** `PATCH /lists/{list_id}/members/{subscriber_hash}`. */
      updateListMember(
        listId: string,
        subscriberHash: string,
        body: { merge_fields: Record<string, string | number> },
        query?: Query,
      ): Promise<unknown>;
      getListMergeFields(listId: string, query: Query): Promise<unknown>;
      addListMergeField(listId: string, body: { tag: string; name: string; type: string }): Promise<unknown>;
    };
    batches: {
      start(body: {
        operations: { method: string; path: string; body?: string; operation_id?: string }[];
      }): Promise<unknown>;
      status(batchId: string): Promise<unknown>;
    };
  }

  const client: MailchimpClient;
  export default client;
}
