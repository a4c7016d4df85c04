// The conversation: the message box, the history on screen, and the API conversation behind it. The API
// conversation is created with the regions as they are when the first question is sent; when the regions
// (or the image) change, the next question starts a new one, and the log says so.
import { createConversation, streamMessage, ConnectionLostError } from './api.js';
import { toApiRegions } from './regions.js';
import { writeHighlighted } from './highlight.js';
import { showProblem, problemElement } from './problems.js';

export class Chat {
  #log;
  #input;
  #send;
  #problem;
  #store;
  #image;
  #onConversationChange;
  conversation = null;
  busy = false;

  constructor({ log, form, input, send, problem, store, image, onConversationChange }) {
    this.#log = log;
    this.#input = input;
    this.#send = send;
    this.#problem = problem;
    this.#store = store;
    this.#image = image;
    this.#onConversationChange = onConversationChange;
    this.#stickToBottom();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
  }

  /** Puts `<regionK>` at the cursor (with spaces around it where needed) and returns focus to the box. */
  insertRegion(name) {
    const input = this.#input;
    const token = `<${name}>`;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    const before = input.value.slice(0, start);
    const after = input.value.slice(end);
    const lead = before && !/\s$/.test(before) ? ' ' : '';
    const trail = after && !/^\s/.test(after) ? ' ' : '';
    input.value = `${before}${lead}${token}${trail}${after}`;
    const caret = before.length + lead.length + token.length;
    input.focus();
    input.setSelectionRange(caret, caret);
  }

  /** The regions or the image changed: the next question starts a new conversation. */
  restart(reason) {
    if (!this.conversation) return;
    this.conversation = null;
    const divider = document.createElement('p');
    divider.className = 'divider';
    divider.setAttribute('role', 'status');
    divider.textContent = `${reason} Your next question starts a new conversation.`;
    this.#log.append(divider);
    this.#scroll();
    this.#onConversationChange();
  }

  submit() {
    if (this.busy) return;
    const text = this.#input.value.trim();
    if (!text) return;
    if (!this.#image()) {
      showProblem(this.#problem, new Error('Open an image first, then mark a region on it.'));
      return;
    }
    if (this.#store.count === 0) {
      showProblem(this.#problem, new Error('Mark at least one region on the image first (box, polygon or brush).'));
      return;
    }
    this.#problem.hidden = true;
    this.#input.value = '';
    const colours = this.conversation?.colours ?? this.#store.all.map((r) => r.colour);
    const turn = this.#addTurn('user', 'You', text, colours);
    const problem = problemElement();
    turn.append(problem);
    this.#run(text, turn, problem);
  }

  async #run(text, userTurn, problem) {
    this.#setBusy(true);
    let answer = null;
    try {
      if (!this.conversation) {
        const regions = [...this.#store.all];
        const id = await createConversation(this.#image().id, await toApiRegions(regions));
        this.conversation = { id, colours: regions.map((r) => r.colour) };
        this.#onConversationChange();
      }
      const { colours } = this.conversation;
      let streamed = '';
      answer = this.#addTurn('assistant', 'Osprey', '', colours);
      answer.dataset.state = 'streaming';
      const bubble = answer.querySelector('.bubble');
      const done = await streamMessage(this.conversation.id, text, (token) => {
        streamed += token;
        writeHighlighted(bubble, streamed, colours);
        this.#scroll();
      });
      writeHighlighted(bubble, done.text, colours);
      answer.dataset.state = 'done';
      answer.querySelector('.meta').textContent = done.generatedTokens === 1 ? '1 token' : `${done.generatedTokens} tokens`;
    } catch (failure) {
      if (answer) {
        // Only a finished answer counts as one; what streamed before the failure stays visible, marked.
        answer.dataset.state = 'interrupted';
        delete answer.dataset.testid;
        if (!answer.querySelector('.bubble').textContent) answer.remove();
      }
      showProblem(problem, failure, () => {
        answer?.remove();
        this.#run(text, userTurn, problem);
      });
      if (!(failure instanceof ConnectionLostError)) userTurn.classList.add('refused');
    } finally {
      this.#setBusy(false);
      this.#scroll();
    }
  }

  #addTurn(role, label, text, colours) {
    const turn = document.createElement('article');
    turn.className = `turn ${role}`;
    if (role === 'assistant') turn.dataset.testid = 'assistant-message';
    const head = document.createElement('div');
    head.className = 'turn-head';
    const who = document.createElement('span');
    who.className = 'role';
    who.textContent = label;
    const meta = document.createElement('span');
    meta.className = 'meta';
    head.append(who, meta);
    const bubble = document.createElement('p');
    bubble.className = 'bubble';
    writeHighlighted(bubble, text, colours);
    turn.append(head, bubble);
    this.#log.querySelector('.chat-empty')?.remove();
    this.#log.append(turn);
    this.#scroll();
    return turn;
  }

  #setBusy(busy) {
    this.busy = busy;
    this.#send.disabled = busy;
    this.#send.textContent = busy ? 'Answering…' : 'Send';
    this.#log.setAttribute('aria-busy', String(busy));
  }

  #scroll() {
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  /** Keeps the newest message in view when the log shrinks (the region list above it grows), unless the person scrolled up. */
  #stickToBottom() {
    let atBottom = true;
    this.#log.addEventListener('scroll', () => {
      atBottom = this.#log.scrollHeight - this.#log.scrollTop - this.#log.clientHeight < 8;
    });
    new ResizeObserver(() => {
      if (atBottom) this.#scroll();
    }).observe(this.#log);
  }
}
