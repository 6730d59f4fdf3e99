insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('avatars', 'avatars', true, 2097152, array['image/png', 'image/jpeg']);

create policy "Avatar images are publicly accessible." on storage.objects
  for select using (bucket_id = 'avatars');

create policy "Anyone can upload an avatar." on storage.objects
  for insert to authenticated
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);

create view public.project_summaries with (security_invoker = true) as
  select p.id, p.title, count(m.user_id) as members
  from public.projects p left join public.project_members m on m.project_id = p.id
  group by p.id, p.title;

comment on view public.project_summaries is 'Projects with their member counts, under the callers'' policies.';

alter publication supabase_realtime add table public.projects;

-- What the spec language does not model is kept as raw SQL by an import.
create type public.money_range as (low numeric, high numeric);

create procedure public.archive_old_projects(p_days integer)
language sql
as $$
  update public.projects set archived_at = now()
  where archived_at is null and created_at < now() - make_interval(days => p_days);
$$;
