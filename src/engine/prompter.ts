// Confirmations go through one interface, so the plain CLI (inquirer), --yes and the TUI answer
// the same questions the same way.

export interface Confirmation {
  answer: boolean;
  /** How it was answered, for the transcript: 'operator', '--yes', ... */
  how: string;
}

export interface Prompter {
  confirm(question: string, details: readonly string[]): Promise<Confirmation>;
}

export const assumeYes: Prompter = {
  async confirm() {
    return { answer: true, how: '--yes' };
  },
};
