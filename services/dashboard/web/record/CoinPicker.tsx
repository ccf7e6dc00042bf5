import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { CoinChoice } from '../../src/coins/coin-search.ts';
import { useApi } from '../app/api-context.tsx';

interface CoinPickerProps {
  id: string;
  value: CoinChoice | null;
  onChange(coin: CoinChoice | null): void;
  error?: string | undefined;
  disabled?: boolean;
}

const SEARCH_DELAY_MS = 200;

/**
 * A combobox (WAI-ARIA 1.2 pattern): type a name, symbol or id, pick with the arrow keys and
 * Enter (or the mouse). Suggestions come from the server's coin search; the CoinGecko id of the
 * chosen coin is what gets recorded.
 */
export function CoinPicker({ id, value, onChange, error, disabled }: CoinPickerProps) {
  const api = useApi();
  const listId = useId();
  const hintId = useId();
  const errorId = useId();
  const [text, setText] = useState(value ? label(value) : '');
  const [options, setOptions] = useState<CoinChoice[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searching, setSearching] = useState(false);
  const [fallback, setFallback] = useState(false);
  const typed = useRef(false);

  useEffect(() => {
    if (value) setText(label(value));
    // Cleared by the form (after a purchase), not by typing: empty the box too.
    else if (!typed.current) setText('');
  }, [value]);

  useEffect(() => {
    if (!typed.current) return;
    const query = text.trim();
    if (!query) {
      setOptions([]);
      setOpen(false);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setSearching(true);
      api
        .searchCoins(query, controller.signal)
        .then((result) => {
          setOptions(result.coins);
          setFallback(result.source === 'fallback');
          setActive(result.coins.length ? 0 : -1);
          setOpen(true);
        })
        .catch(() => {
          if (!controller.signal.aborted) {
            setOptions([]);
            setOpen(true);
          }
        })
        .finally(() => {
          if (!controller.signal.aborted) setSearching(false);
        });
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, api]);

  const choose = (coin: CoinChoice) => {
    typed.current = false;
    onChange(coin);
    setText(label(coin));
    setOpen(false);
    setActive(-1);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (!open && options.length) setOpen(true);
      setActive((i) => (options.length ? (i + 1) % options.length : -1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => (options.length ? (i <= 0 ? options.length - 1 : i - 1) : -1));
    } else if (event.key === 'Enter') {
      if (open && active >= 0 && options[active]) {
        event.preventDefault();
        choose(options[active]);
      }
    } else if (event.key === 'Escape') {
      setOpen(false);
    }
  };

  const describedBy = [hintId, error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div className="coin-picker">
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        placeholder="Bitcoin, ETH, shiba…"
        value={text}
        disabled={disabled}
        onChange={(event) => {
          typed.current = true;
          setText(event.target.value);
          if (value) onChange(null);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onFocus={() => options.length > 0 && !value && setOpen(true)}
      />
      <ul id={listId} role="listbox" aria-label="Coins" className="coin-options" hidden={!open}>
        {options.map((coin, index) => (
          <li
            key={coin.id}
            id={`${listId}-${index}`}
            role="option"
            aria-selected={index === active}
            className={index === active ? 'active' : undefined}
            onMouseDown={(event) => {
              event.preventDefault();
              choose(coin);
            }}
          >
            <span className="coin-name">{coin.name}</span> <span className="coin-symbol">{coin.symbol}</span>{' '}
            <span className="coin-id">{coin.id}</span>
          </li>
        ))}
        {open && !searching && options.length === 0 && <li className="coin-none" role="presentation">No coin found</li>}
      </ul>
      <p id={hintId} className="hint">
        {value ? (
          <>
            CoinGecko id: <code>{value.id}</code>
          </>
        ) : searching ? (
          'Searching…'
        ) : fallback && open ? (
          'CoinGecko search is unreachable: showing common coins only'
        ) : (
          'Search by name or symbol'
        )}
      </p>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

const label = (coin: CoinChoice) => `${coin.name} (${coin.symbol})`;
