-- Later changes fold into the tables above.
alter table public.projects add column description text;
alter table public.projects add column archived_at timestamptz;
alter table public.projects alter column status set default 'draft';
alter table public.projects add constraint projects_status_check check (status in ('draft', 'active', 'archived'));
alter table public.projects rename column name to title;

drop policy "Members can read projects" on public.projects;
create policy "Members can read projects" on public.projects
  for select to authenticated
  using (archived_at is null and (owner_id = (select auth.uid()) or public.is_project_member(id)));

create policy "Owners update projects" on public.projects
  for update to authenticated
  using (owner_id = (select auth.uid()))
  with check (owner_id = (select auth.uid()));

create index projects_active_idx on public.projects (created_at desc) where archived_at is null;
create index projects_title_trgm_idx on public.projects using gin (title extensions.gin_trgm_ops);

create or replace function public.touch_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at = now();
  return new;
end;
$$;

create trigger profiles_touch_updated_at before update on public.profiles
  for each row execute function public.touch_updated_at();

revoke all on table public.project_members from anon;
grant select on table public.projects to anon;
