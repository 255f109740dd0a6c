// The one confirmation dialog every guarded action uses (a native <dialog>: it traps focus, Escape cancels, and focus
// returns to the button that opened it).

/**
 * Asks before an action. Options: title, message, confirmLabel, askReason (show a reason field), word (the word the
 * operator must type to enable the button, for actions with a fleet-wide blast radius).
 * Resolves with { reason } when confirmed, or null when cancelled.
 */
export function confirmAction({ title, message, confirmLabel, askReason = true, word = null }) {
  const dialog = document.getElementById('confirm');
  const form = document.getElementById('confirm-form');
  const ok = document.getElementById('confirm-ok');
  const reason = document.getElementById('confirm-reason');
  const wordInput = document.getElementById('confirm-word');
  const opener = document.activeElement;

  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-message').textContent = message;
  ok.textContent = confirmLabel;
  reason.value = '';
  wordInput.value = '';
  document.getElementById('confirm-reason-field').hidden = !askReason;
  document.getElementById('confirm-word-field').hidden = !word;
  document.getElementById('confirm-word-label').textContent = word ? `Type ${word} to confirm` : '';
  ok.disabled = !!word;

  const onInput = () => { ok.disabled = !!word && wordInput.value.trim() !== word; };
  wordInput.addEventListener('input', onInput);

  return new Promise(resolve => {
    const onClose = () => {
      dialog.removeEventListener('close', onClose);
      wordInput.removeEventListener('input', onInput);
      const confirmed = dialog.returnValue === 'confirm' && (!word || wordInput.value.trim() === word);
      if (opener instanceof HTMLElement && opener.isConnected) {
        opener.focus();
      }

      resolve(confirmed ? { reason: reason.value.trim() || null } : null);
    };

    dialog.addEventListener('close', onClose);
    form.reset();
    dialog.returnValue = '';
    dialog.showModal();
    (word ? wordInput : askReason ? reason : document.getElementById('confirm-cancel')).focus();
  });
}
