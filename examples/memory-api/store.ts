/** One remembered text. */
export interface Memory {
  readonly id: number;
  readonly text: string;
  readonly by: string;
  readonly at: string;
}

/** An in-memory agent memory: texts per organization and memory space. */
export class MemoryStore {
  private readonly spaces = new Map<string, Memory[]>();
  private next = 1;

  remember(organization: string, space: string, text: string, by: string): Memory {
    const key = `${organization}/${space}`;
    const list = this.spaces.get(key) ?? [];
    const memory = { id: this.next++, text, by, at: new Date().toISOString() };
    list.push(memory);
    this.spaces.set(key, list);
    return memory;
  }

  /** Memories of the space whose text contains `q` (all of them without `q`), newest first. */
  recall(organization: string, space: string, q: string | undefined): Memory[] {
    const list = this.spaces.get(`${organization}/${space}`) ?? [];
    const needle = q?.toLowerCase();
    return list.filter((m) => needle === undefined || m.text.toLowerCase().includes(needle)).reverse();
  }
}
