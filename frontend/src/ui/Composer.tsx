import { useId, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import { MAX_TEXT_LENGTH } from '@chat/backend/protocol';
import type { SendResult } from '../realtime/chat-client.js';

export interface ComposerProps {
  room: string;
  /** When false, sends are still accepted: they wait in the outbox until the room is re-joined. */
  online: boolean;
  onSend: (text: string) => SendResult;
  onTyping: () => void;
  /** PageUp (-1) / PageDown (1) pressed in the composer: scroll the messages. */
  onPage?: (direction: 1 | -1) => void;
  inputRef?: Ref<HTMLTextAreaElement>;
}

/**
 * Enter sends, Shift+Enter adds a line. The text is cleared only once the client accepted it (queued or sent),
 * so a refused message stays editable next to its reason.
 */
export function Composer({ room, online, onSend, onTyping, onPage, inputRef }: ComposerProps) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const inputId = useId();
  const hintId = useId();
  const length = [...text].length;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (text.trim() === '') return;
    const result = onSend(text);
    if (result.ok) {
      setText('');
      setError(undefined);
    } else {
      setError(result.error);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((event.key === 'PageUp' || event.key === 'PageDown') && onPage) {
      event.preventDefault();
      onPage(event.key === 'PageUp' ? -1 : 1);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor={inputId} className="visually-hidden">
        Message #{room}
      </label>
      <textarea
        id={inputId}
        ref={inputRef}
        value={text}
        rows={1}
        placeholder={`Message #${room}`}
        onChange={(e) => {
          setText(e.target.value);
          // The reason no longer applies to the edited text; a new submit checks again.
          setError(undefined);
          if (e.target.value !== '') onTyping();
        }}
        onKeyDown={onKeyDown}
        aria-describedby={hintId}
        aria-invalid={error ? true : undefined}
      />
      <button type="submit" className="primary" disabled={text.trim() === '' || length > MAX_TEXT_LENGTH}>
        Send
      </button>
      <p id={hintId} className={error ? 'field-error hint' : 'hint'} role={error ? 'alert' : undefined}>
        {error ??
          (length > MAX_TEXT_LENGTH * 0.9
            ? `${length} / ${MAX_TEXT_LENGTH} characters`
            : online
              ? ''
              : 'Offline: messages will be sent when the connection is back.')}
      </p>
    </form>
  );
}
