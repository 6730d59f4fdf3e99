create table public.document_shares (
  id uuid primary key default uuid_generate_v4(),
  object_id uuid references storage.objects(id) on delete cascade not null,
  shared_with uuid references auth.users(id) on delete cascade not null,
  token text default encode(extensions.gen_random_bytes(16), 'hex') not null unique
);

comment on table public.document_shares is 'A document a user shares with another, by link.';

-- RLS
alter table public.document_shares enable row level security;

create policy "Users see what is shared with them"
  on public.document_shares for select
  to authenticated
  using ( shared_with = (select auth.uid()) );

-- Indexes
create index document_shares_object_id_idx on public.document_shares(object_id);
create index document_shares_shared_with_idx on public.document_shares(shared_with);

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('avatars', 'avatars', true, 1048576, array['image/png', 'image/jpeg', 'image/webp']::text[])
on conflict (id) do update set name = excluded.name, public = excluded.public, file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('documents', 'documents', false, 10485760, null)
on conflict (id) do update set name = excluded.name, public = excluded.public, file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;

create policy "Avatars are readable by signed-in users"
  on storage.objects for select
  to authenticated
  using ( bucket_id = 'avatars' );

create policy "Users upload their own avatar"
  on storage.objects for insert
  to authenticated
  with check ( bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text );

create policy "Users replace their own avatar"
  on storage.objects for update
  to authenticated
  using ( bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text )
  with check ( bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text );

create policy "Users read their own documents"
  on storage.objects for select
  to authenticated
  using ( bucket_id = 'documents' and owner_id = (select auth.uid())::text );

create policy "Users upload their own documents"
  on storage.objects for insert
  to authenticated
  with check ( bucket_id = 'documents' and (storage.foldername(name))[1] = (select auth.uid())::text );

create policy "Users delete their own documents"
  on storage.objects for delete
  to authenticated
  using ( bucket_id = 'documents' and owner_id = (select auth.uid())::text );
