-- table notes: A note.
create table public.notes (
    id uuid,
    body text
);
