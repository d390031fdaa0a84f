import type { Account, IdGenerator } from '../state.js';

/** What every builder needs: the account the object lives in, an id source and the current time. */
export interface BuildContext {
  account: Account;
  ids: IdGenerator;
  /** Unix seconds. */
  now: number;
}

export const emptyAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

export const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });

export type Metadata = Record<string, string>;
