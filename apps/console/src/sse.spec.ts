import { SseParser, SseMessage } from './sse';

/** Feeds the text to a fresh parser in the given pieces; returns what it dispatched. */
function parse(...chunks: string[]): { messages: SseMessage[]; parser: SseParser } {
  const parser = new SseParser();
  return { messages: chunks.flatMap((c) => parser.push(c)), parser };
}

const FRAME = 'retry: 1000\n\nid: 42\nevent: revocation\ndata: {"jti":"pp_1"}\n\n';

describe('the event-stream parser', () => {
  it('given a frame as Mandate writes it, then it dispatches one event with its id, type and data, and takes the retry', () => {
    const { messages, parser } = parse(FRAME);
    expect(messages).toEqual([{ id: '42', event: 'revocation', data: '{"jti":"pp_1"}' }]);
    expect(parser.retryMs).toBe(1000);
  });

  it('given the same text cut at every possible place, then it dispatches the same events', () => {
    const whole = parse(FRAME + ': keep-alive\n\nid: 43\nevent: revocation\ndata: {"jti":"pp_2"}\n\n').messages;
    const text = FRAME + ': keep-alive\n\nid: 43\nevent: revocation\ndata: {"jti":"pp_2"}\n\n';
    for (let cut = 1; cut < text.length; cut++) expect(parse(text.slice(0, cut), text.slice(cut)).messages).toEqual(whole);
    expect(whole.map((m) => m.id)).toEqual(['42', '43']);
  });

  it('given CRLF, lone CR and LF line endings, a leading BOM and a CRLF split across chunks, then each reads the same', () => {
    const expected = [{ id: '7', event: 'security_event', data: 'a' }];
    expect(parse('\ufeffid: 7\r\nevent: security_event\r\ndata: a\r\n\r\n').messages).toEqual(expected);
    // A CR that ends a chunk may be half a CRLF: the line ends when the next chunk tells.
    expect(parse('id: 7\revent: security_event\rdata: a\r\r').messages).toEqual([]);
    expect(parse('id: 7\revent: security_event\rdata: a\r\r', ': next').messages).toEqual(expected);
    expect(parse('id: 7\r', '\nevent: security_event\r', '\ndata: a\r', '\n\r', '\n').messages).toEqual(expected);
  });

  it('given comments, a frame without data, several data lines and a field without a colon, then it follows the standard', () => {
    const { messages } = parse(': hello\n\nevent: ignored\n\ndata: one\ndata:two\ndata\n\n');
    expect(messages).toEqual([{ id: '', event: 'message', data: 'one\ntwo\n' }]);
  });

  it('given an id, then later frames without one keep it as the last event id, and an id holding NUL is ignored', () => {
    const { messages } = parse('id: 5\ndata: a\n\ndata: b\n\nid: 6\u0000\ndata: c\n\n');
    expect(messages.map((m) => m.id)).toEqual(['5', '5', '5']);
  });

  it('given the end frame a revoked key gets, then it is dispatched like any event for the follower to act on', () => {
    expect(parse('event: end\ndata: {"code":"KEY_REVOKED"}\n\n').messages).toEqual([{ id: '', event: 'end', data: '{"code":"KEY_REVOKED"}' }]);
  });
});
