import { ApiError } from './api-error.ts';

export interface UploadRequest {
  url: string;
  body: Blob;
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
}

export interface UploadCallbacks {
  /** Bytes of the body sent so far. */
  uploadProgress(sent: number, total: number): void;
  /** The whole body is sent (the answer may still take a while). */
  uploaded(): void;
  /** The answer's status and type, once, before any of its body. */
  answerStarted(status: number, contentType: string | null): void;
  /** A piece of the answer's body, as it arrives. */
  received(text: string): void;
}

/** Sends a file and hands the answer over as it arrives; rejects with an ApiError(null) when no answer comes. */
export type UploadTransport = (request: UploadRequest, callbacks: UploadCallbacks) => Promise<void>;

/**
 * The browser's transport for files: XMLHttpRequest, because it alone reports upload progress
 * (fetch cannot stream a request body over HTTP/1.1). Its answer text grows as lines arrive;
 * each new piece is handed over.
 */
export const xhrUpload: UploadTransport = (request, callbacks) =>
  new Promise<void>((resolve, reject) => {
    if (request.signal?.aborted) return reject(new DOMException('The upload was cancelled', 'AbortError'));
    const xhr = new XMLHttpRequest();
    xhr.open('POST', request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    let started = false;
    let delivered = 0;
    const deliver = () => {
      if (xhr.readyState < XMLHttpRequest.HEADERS_RECEIVED) return;
      if (!started) {
        started = true;
        callbacks.answerStarted(xhr.status, xhr.getResponseHeader('content-type'));
      }
      const text = xhr.responseText;
      if (text.length > delivered) {
        callbacks.received(text.slice(delivered));
        delivered = text.length;
      }
    };
    // Upload listeners must be in place before send() for the browser to report progress.
    xhr.upload.addEventListener('progress', (event) => callbacks.uploadProgress(event.loaded, event.lengthComputable ? event.total : request.body.size));
    xhr.upload.addEventListener('load', () => callbacks.uploaded());
    xhr.addEventListener('readystatechange', deliver);
    xhr.addEventListener('progress', deliver);
    xhr.addEventListener('load', () => {
      deliver();
      resolve();
    });
    xhr.addEventListener('error', () => reject(new ApiError(null, null)));
    xhr.addEventListener('abort', () => reject(new DOMException('The upload was cancelled', 'AbortError')));
    request.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(request.body);
  });
